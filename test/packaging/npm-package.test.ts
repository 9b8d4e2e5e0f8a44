import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The npm package as a user gets it: `npm pack` (which builds dist/), the tarball installed with
 * `npm install <tgz>` into an empty folder, then the installed `paiflow-controller` run from there,
 * with nothing of the source tree reachable.
 */

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
// npm scripts run on Node 24 from node_modules; the installed command must find the same first.
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;

/** A Node older than the package supports (Debian 12's machines have Node 20 on PATH), or undefined. */
function oldNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) < 22) return candidate;
  }
  return undefined;
}

let work: string;
let app: string;
let files: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'npm-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: root,
    env: { ...process.env, PATH },
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (packed === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  files = packed.files.map((f) => f.path);
  app = join(work, 'app');
  mkdirSync(app);
  // --prefer-offline: the dependencies are usually in npm's cache already (from npm ci).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], {
    cwd: app,
    env: { ...process.env, PATH },
  });
}, 240_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test('the package holds the built CLI, the CRD and the samples, and no sources or tests', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'dist/cli/bin.js',
      'dist/cli/main.js',
      'deploy/crd.yaml',
      'deploy/samples/paiflow-scenario.yaml',
      'LICENSE',
      'README.md',
    ]),
  );
  expect(files.filter((f) => f.startsWith('src/') || f.includes('.test.') || f.endsWith('.ts'))).toEqual([]);
});

test('the installed sandbox runs every sample to its expected state and exits 0', async () => {
  const { stdout } = await run(
    'npx',
    [
      '--no-install',
      'paiflow-controller',
      'sandbox',
      '--exit-when-done',
      '--speed',
      '100',
      '--timeout',
      '90s',
    ],
    { cwd: app, env: { ...process.env, PATH } },
  );
  expect(stdout).toContain('Every sample is in its expected state.');
  expect(existsSync(join(app, '.sandbox', 'kubeconfig'))).toBe(true);
}, 120_000);

test('the installed run --help lists its flags and exits 0', async () => {
  const { stdout } = await run('npx', ['--no-install', 'paiflow-controller', 'run', '--help'], {
    cwd: app,
    env: { ...process.env, PATH },
  });
  expect(stdout).toContain('--kubeconfig <file>');
  expect(stdout).toContain('--paiflow-ca-file <file>');
}, 60_000);

test('on Node 20 the installed command prints one line naming the required version and exits 1', async () => {
  const node = oldNode();
  if (node === undefined) {
    const hint =
      'no Node.js older than 22 found on PATH or in /usr/bin: apt-get install nodejs (Debian 12 has Node 18)';
    if (process.env.CI !== undefined) throw new Error(hint);
    console.warn(`skipped: ${hint}`);
    return;
  }
  // The bin as npm linked it, found through PATH with the old Node first: what `npx` does on a
  // machine whose node is too old.
  const bin = join(app, 'node_modules', '.bin', 'paiflow-controller');
  const failure = await run(bin, ['run', '--help'], {
    cwd: app,
    env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` },
  }).then(
    () => undefined,
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
  expect(failure?.code).toBe(1);
  expect(failure?.stdout).toBe('');
  const minimum = pkg.engines.node.replace(/^>=\s*/, '');
  expect(failure?.stderr).toMatch(
    new RegExp(`^paiflow-controller needs Node.js >= ${minimum}, this is v\\d+[^\\n]*\\n$`),
  );
}, 60_000);
