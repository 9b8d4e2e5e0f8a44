import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

/**
 * The scripts the release workflow runs before it publishes anything: the tag must name the version
 * of package.json and of the chart, and CHANGELOG.md must have notes for it.
 */

const root = new URL('../../', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

function script(name: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(`.github/scripts/${name}`, args, { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('check-version.sh', () => {
  it('accepts the tag of the current version and prints the version', () => {
    expect(script('check-version.sh', `v${version}`)).toEqual({
      code: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });

  it.each(['v99.0.0', version, 'v1.2'])('refuses %s', (tag) => {
    const result = script('check-version.sh', tag);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^check-version\.sh: tag /);
  });
});

describe('release-notes.sh', () => {
  it('prints the notes of the current version, without its heading', () => {
    const result = script('release-notes.sh', version);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('### Added\n');
    expect(result.stdout).not.toContain('## [');
  });

  it('fails for a version without notes', () => {
    expect(script('release-notes.sh', '99.0.0')).toMatchObject({ code: 1, stdout: '' });
    expect(script('release-notes.sh', 'Unreleased').code).toBe(1);
  });
});
