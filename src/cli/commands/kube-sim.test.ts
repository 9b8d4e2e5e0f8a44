import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlPath } from '../../../test/support/tools.ts';
import { collect, exitCode, firstLine, startCli } from './child-process.test-helper.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('serves the CRD it was given to real kubectl through the kubeconfig it writes; SIGTERM exits 0', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  const child = startCli([
    'kube-sim',
    '--listen',
    '127.0.0.1:0',
    '--kubeconfig-out',
    kubeconfig,
    '--crd',
    'test/kube-sim/fixtures/crd.yaml',
  ]);
  const stderr = collect(child.stderr);
  try {
    expect(await firstLine(child.stdout)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { stdout } = await run(
      kubectlPath(),
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        'api-resources',
        '--api-group=paiflow.dev',
      ],
      {
        env: { PATH: process.env.PATH, HOME: dir },
      },
    );
    expect(stdout).toMatch(/pipelinerunnodes\s+prn\s+paiflow\.dev\/v1alpha1\s+true\s+PipelineRunNode/);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exitCode(child)).toBe(0);
  expect(stderr()).toContain('kube-sim stopping');
});

test.each([
  { name: 'bad --listen', args: ['--listen', 'nowhere'], flag: "'--listen <host:port>' argument 'nowhere'" },
  { name: 'missing --crd file', args: ['--crd', join('no', 'such.yaml')], flag: "'--crd <file>' argument" },
])('$name: exits non-zero naming the flag', async ({ args, flag }) => {
  const child = startCli(['kube-sim', ...args]);
  const stderr = collect(child.stderr);
  expect(await exitCode(child)).not.toBe(0);
  expect(stderr()).toContain(flag);
});
