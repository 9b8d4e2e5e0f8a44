import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { runKubectl } from '../support/kubectl-run.ts';
import { waitFor } from '../support/wait.ts';
import { describeWithTools, kubectlTool } from '../support/tools.ts';
import type { Body } from './client.ts';
import { fixturePath, prn as prnIn } from './helpers.ts';

/**
 * Real kubectl binaries, one minor version per block, against one API server per test file (kube-sim
 * or the real kube-apiserver: the same tests, the same expectations), each test in a fresh namespace.
 * Each version gets its own HOME and discovery cache.
 */

/** The API server of one test file, as the matrix needs it. */
export interface MatrixServer {
  /** An admin's kubeconfig file. */
  kubeconfigPath: string;
  /** Creates a namespace with a unique name starting with `prefix`. */
  createNamespace(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl still running: what it printed so far, and how it ended. */
interface Running {
  output(): { stdout: string; stderr: string };
  done: Promise<Result>;
  kill(): void;
}

/** A PipelineRunNode manifest without a namespace: kubectl puts it in the test's (--namespace). */
function prn(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...prnIn(name, spec), metadata: { name } };
}

/** kubectl -v=6 logs each request once its response headers arrive: for a watch, once it is open. */
const WATCH_OPEN =
  /GET https?:\/\/\S+watch=true\S* 200 OK|url="https?:\/\/\S+watch=true\S*".*status="200 OK"/;

/**
 * The whole matrix for `versions` against the server `start()` makes (once, for every version), with
 * the fixture CRD installed. The caller wraps it in a describe that checks the server can start.
 */
export function kubectlMatrix(
  versions: readonly string[],
  start: () => Promise<MatrixServer>,
  startTimeoutMs: number,
): void {
  let server: MatrixServer | undefined;
  const work = mkdtempSync(join(tmpdir(), 'kubectl-matrix-'));

  beforeAll(async () => {
    server = await start();
    const install = async (args: string[]): Promise<Result> =>
      runKubectl(args, { kubeconfig: server!.kubeconfigPath });
    expect(await install(['apply', '-f', fixturePath('crd.yaml')])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'customresourcedefinition.apiextensions.k8s.io/pipelinerunnodes.paiflow.dev created',
      ),
    });
    expect(
      await install([
        'wait',
        '--for=condition=Established',
        'crd/pipelinerunnodes.paiflow.dev',
        '--timeout=30s',
      ]),
    ).toMatchObject({ code: 0 });
  }, startTimeoutMs);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const version of versions) {
    const tool = kubectlTool(version);
    describeWithTools(`kubectl ${version}`, [tool], () => {
      const binary = tool.path ?? 'kubectl-missing'; // never run: describeWithTools skips or fails first
      const home = join(work, version);
      let namespace: string;

      beforeAll(() => {
        mkdirSync(home, { recursive: true });
      });
      beforeEach(async () => {
        namespace = await server!.createNamespace(`kubectl-${version.replace('.', '-')}`);
      });

      const argv = (args: string[]): string[] => [
        '--kubeconfig',
        server!.kubeconfigPath,
        '--cache-dir',
        join(home, 'cache'),
        '--namespace',
        namespace,
        ...args,
      ];
      const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home });
      const kubectl = (...args: string[]): Promise<Result> =>
        new Promise((resolve) => {
          execFile(binary, argv(args), { env: env(), timeout: 30_000 }, (error, stdout, stderr) => {
            resolve({
              code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
              stdout,
              stderr,
            });
          });
        });
      /** A kubectl that keeps running (wait, get --watch), its output readable as it comes. */
      const started = (...args: string[]): Running => {
        const child = spawn(binary, argv(args), { env: env() });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const done = new Promise<Result>((resolve) => {
          child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
        });
        return { output: () => ({ stdout, stderr }), done, kill: () => child.kill() };
      };
      const ok = async (...args: string[]): Promise<string> => {
        const result = await kubectl(...args);
        expect({ args, ...result }).toMatchObject({ code: 0 });
        return result.stdout;
      };
      const manifest = (name: string, obj: unknown): string => {
        const file = join(home, `${namespace}-${name}.yaml`);
        writeFileSync(file, stringify(obj));
        return file;
      };
      const getJson = async (...args: string[]): Promise<Body> =>
        JSON.parse(await ok('get', ...args, '-o', 'json')) as Body;

      it('creates from YAML and shows it as YAML, JSON and a table with the CRD printer columns', async () => {
        expect(await ok('create', '-f', fixturePath('prn.yaml'))).toContain(
          'pipelinerunnode.paiflow.dev/train created',
        );
        const obj = await getJson('prn', 'train');
        expect(obj.spec).toEqual({ pipelineRunId: 'flow-abc123', depth: 2, type: 'Logical' });
        expect(obj.metadata.generation).toBe(1);
        expect(await ok('get', 'pipelinerunnode', 'train', '-o', 'yaml')).toContain(
          'pipelineRunId: flow-abc123',
        );
        const table = await ok('get', 'prn');
        expect(table.split('\n')[0]).toMatch(/^NAME\s+NODE\s+STATUS\s+READY\s+AGE$/);
        // Missing values are null cells, which kubectl prints blank.
        expect(table).toMatch(/^train\s+\d+s$/m);
        expect((await ok('get', 'prn', '-o', 'wide')).split('\n')[1]).toMatch(/^train\s.*\sflow-abc123$/);
        // The CRD's category; with one kind, kubectl prints rows without the kind prefix.
        expect(await ok('get', 'paiflow')).toMatch(/^train\s/m);
      });

      it('applies client-side and server-side, with field ownership and conflicts', async () => {
        const file = manifest('csa', prn('csa', { depth: 3 }));
        expect(await ok('apply', '-f', file)).toContain('pipelinerunnode.paiflow.dev/csa created');
        manifest('csa', prn('csa', { depth: 4 }));
        expect(await ok('apply', '-f', file)).toContain('pipelinerunnode.paiflow.dev/csa configured');
        const applied = await getJson('prn', 'csa');
        expect(applied.spec.depth).toBe(4);
        expect(applied.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
          '"depth":4',
        );
        expect(applied.metadata.generation).toBe(2);

        const ssa = manifest('ssa', prn('ssa', { depth: 5 }));
        expect(await ok('apply', '--server-side', '-f', ssa)).toContain(
          'pipelinerunnode.paiflow.dev/ssa serverside-applied',
        );
        const owned = await getJson('prn', 'ssa', '--show-managed-fields');
        expect(owned.metadata.managedFields).toEqual([
          expect.objectContaining({
            manager: 'kubectl',
            operation: 'Apply',
            fieldsV1: { 'f:spec': { 'f:depth': {}, 'f:pipelineRunId': {} } },
          }),
        ]);
        // Another manager changed depth: applying a different value conflicts unless forced.
        await ok('patch', 'prn', 'ssa', '--type=merge', '-p', '{"spec":{"depth":6}}');
        const conflict = await kubectl('apply', '--server-side', '-f', ssa);
        expect(conflict.code).not.toBe(0);
        expect(conflict.stderr).toContain('conflict with "kubectl-patch"');
        expect(conflict.stderr).toContain('.spec.depth');
        expect(await ok('apply', '--server-side', '--force-conflicts', '-f', ssa)).toContain(
          'serverside-applied',
        );
        expect((await getJson('prn', 'ssa')).spec.depth).toBe(5);
      });

      it('explains a CRD field from the published schema', async () => {
        const text = await ok('explain', 'prn.spec.pipelineRunId');
        expect(text).toMatch(/FIELD:\s+pipelineRunId\s+<string>/);
        expect(text).toContain('The PAI pipeline run ID.');
      });

      it('patches status through the subresource only, and waits for a condition and a jsonpath', async () => {
        await ok('create', '-f', manifest('st', prn('st')));
        const waiting = [
          started('wait', '-v=6', '--for=condition=Ready', 'prn/st', '--timeout=20s'),
          started('wait', '-v=6', '--for=jsonpath={.status.phase}=Succeeded', 'prn/st', '--timeout=20s'),
        ];
        try {
          // The status changes once both watch: kubectl wait must see it as a watch event.
          for (const wait of waiting) {
            await waitFor(() => WATCH_OPEN.test(wait.output().stderr), 'kubectl wait watching', 20_000);
          }
          const status = {
            spec: { depth: 9 },
            status: {
              phase: 'Succeeded',
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'Succeeded',
                  message: 'done',
                  lastTransitionTime: '2025-01-01T00:00:00Z',
                },
              ],
            },
          };
          await ok(
            'patch',
            'prn',
            'st',
            '--subresource=status',
            '--type=merge',
            '-p',
            JSON.stringify(status),
          );
          for (const wait of waiting) {
            expect(await wait.done).toMatchObject({
              code: 0,
              stdout: expect.stringContaining('condition met'),
            });
          }
        } finally {
          for (const wait of waiting) wait.kill();
        }
        const obj = await getJson('prn', 'st');
        expect(obj.status?.phase).toBe('Succeeded');
        expect(obj.spec.depth).toBe(2);
        expect(obj.metadata.generation).toBe(1);
        expect(await ok('get', 'prn', 'st', '--no-headers')).toMatch(/^st\s+Succeeded\s+True\s+\d+s$/m);
      });

      it('labels, annotates and streams changes to get --watch', async () => {
        await ok('create', '-f', manifest('w', prn('w')));
        const watcher = started(
          'get',
          'prn',
          'w',
          '--watch',
          '--no-headers',
          '-o',
          'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier',
        );
        try {
          await waitFor(() => watcher.output().stdout.includes('w'), 'the first watch line', 20_000);
          expect(await ok('label', 'prn', 'w', 'tier=gold')).toContain('labeled');
          // kubectl 1.27 prints "annotate", later versions "annotated".
          expect(await ok('annotate', 'prn', 'w', 'note=hello')).toContain(
            'pipelinerunnode.paiflow.dev/w annotate',
          );
          await waitFor(
            () => /w\s+gold/.test(watcher.output().stdout),
            'the label through the watch',
            20_000,
          );
        } finally {
          watcher.kill();
        }
        expect(
          await ok('get', 'prn', 'w', '-o', 'jsonpath={.metadata.labels.tier}/{.metadata.annotations.note}'),
        ).toBe('gold/hello');
      });

      it('rejects an invalid object and an immutable-field change, naming the fields', async () => {
        const invalid = await kubectl('create', '-f', fixturePath('bad.yaml'));
        expect(invalid.code).not.toBe(0);
        expect(invalid.stderr).toContain('The PipelineRunNode "bad" is invalid');
        expect(invalid.stderr).toContain(
          'spec.depth: Invalid value: 11: spec.depth in body should be less than or equal to 10',
        );
        expect(invalid.stderr).toContain(
          'spec.type: Unsupported value: "Other": supported values: "Logical", "Physical"',
        );
        await ok('create', '-f', fixturePath('prn.yaml'));
        const immutable = await kubectl(
          'patch',
          'prn',
          'train',
          '--type=merge',
          '-p',
          '{"spec":{"pipelineRunId":"flow-other"}}',
        );
        expect(immutable.code).not.toBe(0);
        expect(immutable.stderr).toMatch(/spec: Invalid value: pipelineRunId is immutable/);
      });

      // Found by `kubectl apply -f crd.yaml` then `kubectl apply --server-side -f crd.yaml` twice: the
      // first server-side apply migrates the client-side owner's fields (parents included) into
      // kubectl's Apply entry, and the second one removed the whole spec ("spec.group: Required value").
      it('applies a CRD client-side, then server-side again and again, then client-side', async () => {
        // CRDs are cluster-scoped: a group per namespace keeps each test's own.
        const group = `${namespace}.example.com`;
        const name = `widgets.${group}`;
        const crd = manifest('widgets-crd', {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name, labels: { app: 'widgets' } },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            ],
          },
        });
        expect(await ok('apply', '-f', crd)).toContain(`${name} created`);
        for (let i = 0; i < 3; i++) {
          const applied = await kubectl('apply', '--server-side', '-f', crd);
          expect({ i, ...applied }).toMatchObject({ code: 0, stderr: '' });
          expect(applied.stdout).toContain(`${name} serverside-applied`);
        }
        const owned = await getJson('crd', name, '--show-managed-fields');
        expect(owned.spec).toMatchObject({ group, scope: 'Namespaced' });
        expect(owned.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`)).toContain(
          'kubectl/Apply',
        );
        // The server-side apply rewrote kubectl's last-applied annotation (without the `annotations: {}`
        // client-side apply writes), so client-side apply patches it back: configured, not unchanged.
        expect(await ok('apply', '-f', crd)).toContain(`${name} configured`);
        expect(await ok('apply', '-f', crd)).toContain(`${name} unchanged`);
        expect(await ok('delete', 'crd', name)).toContain(`"${name}" deleted`);
      });

      it('creates namespaces and secrets with the typed (protobuf) clients and deletes', async () => {
        const team = `${namespace}-team`;
        expect(await ok('create', 'namespace', team)).toContain(`namespace/${team} created`);
        expect(
          await ok('create', 'secret', 'generic', 'creds', '-n', team, '--from-literal=accessKeyId=AK'),
        ).toContain('secret/creds created');
        expect((await getJson('secret', 'creds', '-n', team)).data).toEqual({
          accessKeyId: Buffer.from('AK').toString('base64'),
        });
        expect(await ok('get', 'secrets', '-n', team)).toMatch(/^creds\s+Opaque\s+1\s+\d+s$/m);
        expect(await ok('delete', 'secret', 'creds', '-n', team)).toContain('secret "creds" deleted');
        expect((await kubectl('get', 'secret', 'creds', '-n', team)).stderr).toContain('not found');

        await ok('create', '-f', manifest('w', prn('w')));
        expect(await ok('delete', 'prn', 'w')).toContain('pipelinerunnode.paiflow.dev "w" deleted');
        expect((await kubectl('get', 'prn', 'w')).stderr).toContain(
          'pipelinerunnodes.paiflow.dev "w" not found',
        );

        // Without --wait=false kubectl waits until the namespace is gone, which on the real server
        // (no namespace controller: docs/testing.md) it never is.
        expect(await ok('delete', 'namespace', team, '--wait=false')).toContain(
          `namespace "${team}" deleted`,
        );
        const phase = await kubectl('get', 'namespace', team, '-o', 'jsonpath={.status.phase}');
        // kube-sim empties and removes it at once; the real server keeps it Terminating.
        expect(phase.code === 0 ? phase.stdout : phase.stderr).toMatch(/^Terminating$|not found/);
      });
    });
  }
}
