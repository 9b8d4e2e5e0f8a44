import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * The real kubectl of one minor version (`1.27`, ...): the `kubectl.<version>` binaries lie beside the
 * real `kubectl` on PATH on our machines. Undefined when absent, so tests can skip saying why.
 */
export function kubectlBinary(version: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (!existsSync(candidate)) continue;
    const versioned = join(dirname(realpathSync(candidate)), `kubectl.${version}`);
    return existsSync(versioned) ? versioned : undefined;
  }
  return undefined;
}
