import { readFileSync } from 'node:fs';

/** The version from package.json, which sits two folders above both `src/cli` and `dist/cli`. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
