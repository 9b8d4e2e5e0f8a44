import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/**
 * The Dockerfile and .dockerignore, checked statically: no Docker engine exists here, so the image
 * itself is not built (the base images cannot be pulled). dockerfile-utils checks the syntax,
 * dockerfilelint the usual best practices, and the tests below what the image must be: multi-stage,
 * pinned bases, a numeric non-root user, and a runtime holding only what the controller runs.
 */

const root = new URL('../../', import.meta.url);
const dockerfileText = readFileSync(new URL('Dockerfile', root), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const froms = dockerfile.getFROMs();
const runtimeFrom = froms.at(-1);
const runtimeInstructions = dockerfile
  .getInstructions()
  .filter((i) => runtimeFrom !== undefined && i.getRange().start.line > runtimeFrom.getRange().start.line);

interface LintIssue {
  line: string;
  title: string;
  description: string;
}
// dockerfilelint is CommonJS without types: its run() returns the issues of one Dockerfile.
const dockerfilelint = createRequire(import.meta.url)('dockerfilelint') as {
  run: (configPath: string, content: string) => LintIssue[];
};

function keywordArgs(keyword: string): string[] {
  return runtimeInstructions
    .filter((i) => i.getKeyword() === keyword)
    .map((i) => i.getArgumentsContent() ?? '');
}

describe('Dockerfile', () => {
  it('is valid Dockerfile syntax (dockerfile-utils)', () => {
    // A diagnostic's message is a string or markup; either way the list must be empty.
    expect(
      validate(dockerfileText).map((d) => ({ line: d.range.start.line + 1, message: d.message })),
    ).toEqual([]);
  });

  it('has no dockerfilelint issues', () => {
    const issues = dockerfilelint.run(root.pathname, dockerfileText);
    expect(issues.map((i) => `${i.line}: ${i.title}`)).toEqual([]);
  });

  it('dockerfilelint does flag a bad Dockerfile (the linter really runs)', () => {
    const issues = dockerfilelint.run(root.pathname, 'FROM node\nRUN sudo apt-get install -y curl\n');
    expect(issues.length).toBeGreaterThan(0);
  });

  it('is multi-stage: a Node 24 build stage and a distroless Node 24 runtime', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]?.getImageName()).toBe('node');
    expect(froms[0]?.getImageTag()).toMatch(/^24\.\d+\.\d+-bookworm-slim$/);
    expect(runtimeFrom?.getArgumentsContent()).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12[@:]/);
  });

  it.each(froms.map((from) => ({ name: from.getArgumentsContent() ?? '', from })))(
    'pins $name by digest or exact version',
    ({ from }) => {
      const digest = from.getImageDigest();
      const tag = from.getImageTag();
      const pinned =
        (digest !== null && /^sha256:[0-9a-f]{64}$/.test(digest)) ||
        (tag !== null && /^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/.test(tag));
      expect({ tag, digest, pinned }).toMatchObject({ pinned: true });
      expect(tag).not.toBe('latest');
    },
  );

  it('runs as the numeric non-root user 65532, set last', () => {
    const users = dockerfile.getInstructions().filter((i) => i.getKeyword() === 'USER');
    expect(users.at(-1)?.getArgumentsContent()).toBe('65532:65532');
    expect(keywordArgs('USER')).toEqual(['65532:65532']);
  });

  it('copies into the runtime only dist/, the production node_modules and package.json, from the build stage', () => {
    const copies = runtimeInstructions.filter((i) => i instanceof Copy);
    expect(copies.map((c) => c.getFromFlag()?.getValue())).toEqual(
      copies.map(() => froms[0]?.getBuildStage()),
    );
    const sources = copies.flatMap((c) =>
      c
        .getArguments()
        .slice(0, -1)
        .map((a) => a.getValue()),
    );
    expect(sources.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
    expect(runtimeInstructions.filter((i) => i.getKeyword() === 'ADD')).toEqual([]);
  });

  it('prunes development dependencies after building', () => {
    const runs = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(runs.join('\n')).toMatch(/npm ci\b[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
  });

  it('starts the controller with the distroless node, ports exposed', () => {
    expect(keywordArgs('ENTRYPOINT')).toEqual(['["/nodejs/bin/node", "dist/cli/main.js"]']);
    expect(keywordArgs('CMD')).toEqual(['["run"]']);
    expect(keywordArgs('EXPOSE')).toEqual(['8080 8081']);
  });

  it("sizes V8's heap for the memory limit of deploy/ and the chart (512Mi)", () => {
    // docs/benchmarks.md, "Memory": without these, 10,000 resources peak above 400 MiB RSS.
    const env = runtimeInstructions
      .filter((i) => i.getKeyword() === 'ENV')
      .map((i) => i.getArgumentsContent());
    expect(env).toContain('NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=160"');
    const limits = [
      readFileSync(new URL('deploy/deployment.yaml', root), 'utf8'),
      readFileSync(new URL('charts/paiflow-controller/values.yaml', root), 'utf8'),
    ].map((text) => /limits:\s*\n\s*memory: (\S+)/.exec(text)?.[1]);
    expect(limits).toEqual(['512Mi', '512Mi']);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(new URL('.dockerignore', root), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it.each(['node_modules', '.git', 'test', 'coverage', 'dist'])('excludes %s', (entry) => {
    expect(ignored).toContain(entry);
  });

  it('keeps what the build stage copies', () => {
    const copied = dockerfile
      .getInstructions()
      .filter((i): i is Copy => i instanceof Copy && i.getFromFlag() === null)
      .flatMap((c) =>
        c
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    expect(copied.length).toBeGreaterThan(0);
    expect(copied.filter((path) => ignored.includes(path))).toEqual([]);
  });
});
