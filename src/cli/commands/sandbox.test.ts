import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubectlPath } from '../../../test/support/tools.ts';
import { collect, exitCode, startCli, type Child } from './child-process.test-helper.ts';

const run = promisify(execFile);
const ESC = '\x1b';

/** The samples' names and expected states, read from deploy/samples as the sandbox reads them. */
const samples = readdirSync('deploy/samples')
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join('deploy/samples', file), 'utf8')))
  .map(
    (doc) =>
      doc.toJS() as { kind?: string; metadata?: { name: string; annotations?: Record<string, string> } },
  )
  .filter((object) => object.kind === 'PipelineRunNode')
  .map((object) => ({
    name: object.metadata?.name ?? '',
    expected: object.metadata?.annotations?.['paiflow.dev/sandbox-expect'],
  }));

let dir: string;
let child: Child | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
});
afterEach(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGKILL');
    await exitCode(child);
  }
  child = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once `read()` (the stream's text so far) contains `text`; rejects after `timeoutMs`. */
async function outputContaining(
  stream: Readable,
  read: () => string,
  text: string,
  timeoutMs: number,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (!read().includes(text)) return;
      clearTimeout(timer);
      stream.off('data', check);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.off('data', check);
      reject(new Error(`no "${text}" within ${String(timeoutMs)}ms; output so far:\n${read()}`));
    }, timeoutMs);
    stream.on('data', check);
    check();
  });
}

test('every sample declares an expected state', () => {
  expect(samples.length).toBeGreaterThanOrEqual(5);
  for (const sample of samples) expect(sample).toEqual({ name: sample.name, expected: expect.any(String) });
});

test('--exit-when-done exits 0 once every sample is in its expected state, in plain lines', async () => {
  child = startCli([
    'sandbox',
    '--exit-when-done',
    '--speed',
    '100',
    '--timeout',
    '60s',
    '--kubeconfig-out',
    join(dir, 'done', 'kubeconfig'),
  ]);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  expect(await exitCode(child)).toBe(0);
  expect(stderr()).toBe('');
  const out = stdout();
  expect(out).not.toContain(ESC);
  expect(out).toContain(`Kubeconfig: ${join(dir, 'done', 'kubeconfig')}`);
  expect(out).toMatch(/Metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics/);
  expect(out).toMatch(/PAIFlow simulator: +http:\/\/127\.0\.0\.1:\d+\/_sim\/runs/);
  expect(out).toContain('get prn -A');
  expect(out).toContain('paiflow.dev/reconcile-requested-at=$(date +%s)');
  expect(out.trimEnd().endsWith('Every sample is in its expected state.')).toBe(true);
  for (const { name, expected } of samples) {
    expect(out).toContain(`default/${name}: `);
    expect(out).toMatch(new RegExp(`default/${name}: .* expected=${expected ?? ''} ✓`));
  }
}, 30_000);

test('real kubectl sees the samples with their printer columns; SIGINT shuts down and exits 0', async () => {
  const kubeconfig = join(dir, 'live', 'kubeconfig');
  child = startCli(['sandbox', '--speed', '10', '--kubeconfig-out', kubeconfig]);
  const stdout = collect(child.stdout);
  await outputContaining(child.stdout, stdout, 'Kubeconfig:', 15_000);
  const { stdout: table } = await run(
    kubectlPath(),
    ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'prn', '-A'],
    { env: { PATH: process.env.PATH, HOME: dir } },
  );
  const [header, ...rows] = table.trimEnd().split('\n');
  expect(header?.split(/\s+/)).toEqual([
    'NAMESPACE',
    'NAME',
    'READY',
    'SYNCED',
    'PHASE',
    'PROGRESS',
    'REASON',
    'AGE',
  ]);
  expect(rows.map((row) => row.split(/\s+/)[1]).sort()).toEqual(samples.map((s) => s.name).sort());
  child.kill('SIGINT');
  expect(await exitCode(child)).toBe(0);
}, 30_000);

test('--timeout exits 1 and lists the samples not in their expected state', async () => {
  child = startCli([
    'sandbox',
    '--exit-when-done',
    '--speed',
    '0.01',
    '--timeout',
    '1s',
    '--kubeconfig-out',
    join(dir, 'slow', 'kubeconfig'),
  ]);
  const stderr = collect(child.stderr);
  expect(await exitCode(child)).toBe(1);
  expect(stderr()).toContain('after 1s, not in the expected state:');
  expect(stderr()).toMatch(/default\/nightly-training-train: expected Succeeded, is status=/);
}, 30_000);
