import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { describeWithTools, KUBECTL_VERSIONS, kubectlTool } from '../support/tools.ts';
import type { Body } from './client.ts';
import { fixturePath, prn, waitFor } from './helpers.ts';

/**
 * Real kubectl binaries, every supported minor version, against kube-sim. Each version gets its own
 * server, HOME and discovery cache.
 */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

for (const version of KUBECTL_VERSIONS) {
  const tool = kubectlTool(version);
  describeWithTools(`kubectl ${version}`, [tool], () => {
    const binary = tool.path ?? 'kubectl-missing'; // never run: describeWithTools skips or fails first
    let sim: KubeSim;
    let dir: string;
    let kubeconfig: string;

    const kubectl = (...args: string[]): Promise<Result> =>
      new Promise((resolve) => {
        execFile(
          binary,
          ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
          { env: { PATH: process.env.PATH, HOME: dir }, timeout: 30_000 },
          (error, stdout, stderr) => {
            resolve({
              code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
              stdout,
              stderr,
            });
          },
        );
      });
    const ok = async (...args: string[]): Promise<string> => {
      const result = await kubectl(...args);
      expect({ args, ...result }).toMatchObject({ code: 0 });
      return result.stdout;
    };
    const manifest = (name: string, obj: unknown): string => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, stringify(obj));
      return file;
    };
    const getJson = async (...args: string[]): Promise<Body> =>
      JSON.parse(await ok('get', ...args, '-o', 'json')) as Body;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `kube-sim-kubectl-${version}-`));
      sim = new KubeSim();
      await sim.listen({ host: '127.0.0.1', port: 0 });
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, sim.kubeconfig());
      expect(await ok('apply', '-f', fixturePath('crd.yaml'))).toContain(
        'customresourcedefinition.apiextensions.k8s.io/pipelinerunnodes.paiflow.dev created',
      );
      await ok('wait', '--for=condition=Established', 'crd/pipelinerunnodes.paiflow.dev', '--timeout=10s');
    });

    afterAll(async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    });

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
      const waiting = kubectl('wait', '--for=condition=Ready', 'prn/st', '--timeout=20s');
      const waitingPath = kubectl(
        'wait',
        '--for=jsonpath={.status.phase}=Succeeded',
        'prn/st',
        '--timeout=20s',
      );
      await waitFor(
        () => sim.counters.count({ verb: 'watch', resource: 'pipelinerunnodes' }) >= 2,
        'kubectl wait watching',
      );
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
      await ok('patch', 'prn', 'st', '--subresource=status', '--type=merge', '-p', JSON.stringify(status));
      expect(await waiting).toMatchObject({ code: 0, stdout: expect.stringContaining('condition met') });
      expect(await waitingPath).toMatchObject({ code: 0, stdout: expect.stringContaining('condition met') });
      const obj = await getJson('prn', 'st');
      expect(obj.status?.phase).toBe('Succeeded');
      expect(obj.spec.depth).toBe(2);
      expect(obj.metadata.generation).toBe(1);
      expect(await ok('get', 'prn', 'st', '--no-headers')).toMatch(/^st\s+Succeeded\s+True\s+\d+s$/m);
    });

    it('labels, annotates and streams changes to get --watch', async () => {
      await ok('create', '-f', manifest('w', prn('w')));
      const watcher = spawn(
        binary,
        [
          '--kubeconfig',
          kubeconfig,
          '--cache-dir',
          join(dir, 'cache'),
          'get',
          'prn',
          'w',
          '--watch',
          '--no-headers',
          '-o',
          'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier',
        ],
        {
          env: { PATH: process.env.PATH, HOME: dir },
        },
      );
      let out = '';
      watcher.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      try {
        await waitFor(() => out.includes('w'), 'the first watch line');
        expect(await ok('label', 'prn', 'w', 'tier=gold')).toContain('labeled');
        // kubectl 1.27 prints "annotate", later versions "annotated".
        expect(await ok('annotate', 'prn', 'w', 'note=hello')).toContain(
          'pipelinerunnode.paiflow.dev/w annotate',
        );
        await waitFor(() => /w\s+gold/.test(out), 'the label through the watch');
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
      const immutable = await kubectl(
        'patch',
        'prn',
        'train',
        '--type=merge',
        '-p',
        '{"spec":{"pipelineRunId":"flow-other"}}',
      );
      expect(immutable.code).not.toBe(0);
      expect(immutable.stderr).toContain('pipelineRunId is immutable');
      expect(immutable.stderr).toMatch(/spec: Invalid value: pipelineRunId is immutable/);
    });

    // Found by `kubectl apply -f crd.yaml` then `kubectl apply --server-side -f crd.yaml` twice: the
    // first server-side apply migrates the client-side owner's fields (parents included) into
    // kubectl's Apply entry, and the second one removed the whole spec ("spec.group: Required value").
    it('applies a CRD client-side, then server-side again and again, then client-side', async () => {
      const crd = manifest('widgets-crd', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com', labels: { app: 'widgets' } },
        spec: {
          group: 'example.com',
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
      expect(await ok('apply', '-f', crd)).toContain('widgets.example.com created');
      for (let i = 0; i < 3; i++) {
        const applied = await kubectl('apply', '--server-side', '-f', crd);
        expect({ i, ...applied }).toMatchObject({ code: 0, stderr: '' });
        expect(applied.stdout).toContain('widgets.example.com serverside-applied');
      }
      const owned = await getJson('crd', 'widgets.example.com', '--show-managed-fields');
      expect(owned.spec).toMatchObject({ group: 'example.com', scope: 'Namespaced' });
      expect(owned.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`)).toContain(
        'kubectl/Apply',
      );
      expect(await ok('apply', '-f', crd)).toContain('widgets.example.com unchanged');
    });

    it('creates namespaces and secrets with the typed (protobuf) clients and deletes', async () => {
      expect(await ok('create', 'namespace', 'team')).toContain('namespace/team created');
      expect(
        await ok('create', 'secret', 'generic', 'creds', '-n', 'team', '--from-literal=accessKeyId=AK'),
      ).toContain('secret/creds created');
      expect((await getJson('secret', 'creds', '-n', 'team')).data).toEqual({
        accessKeyId: Buffer.from('AK').toString('base64'),
      });
      expect(await ok('get', 'secrets', '-n', 'team')).toMatch(/^creds\s+Opaque\s+1\s+\d+s$/m);
      expect(await ok('delete', 'prn', 'w')).toContain('pipelinerunnode.paiflow.dev "w" deleted');
      const gone = await kubectl('get', 'prn', 'w');
      expect(gone.stderr).toContain('pipelinerunnodes.paiflow.dev "w" not found');
      expect(await ok('delete', 'namespace', 'team')).toContain('namespace "team" deleted');
      expect((await kubectl('get', 'secret', 'creds', '-n', 'team')).stderr).toContain('not found');
    });
  });
}
