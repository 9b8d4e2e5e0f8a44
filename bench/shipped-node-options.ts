import { readFileSync } from 'node:fs';
import { DockerfileParser, type Env } from 'dockerfile-ast';

/**
 * The node options the image runs the controller with: `NODE_OPTIONS` as the Dockerfile's last
 * stage sets it (ENV). The benchmark runs the controller with them, so it measures the process that
 * ships, and a change to them in the Dockerfile is measured without a second copy here.
 */
export function shippedNodeOptions(): string[] {
  const instructions = DockerfileParser.parse(
    readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'),
  ).getInstructions();
  const lastStage = instructions.findLastIndex((i) => i.getKeyword() === 'FROM');
  const value = instructions
    .slice(lastStage)
    .filter((i) => i.getKeyword() === 'ENV')
    .flatMap((i) => (i as Env).getProperties())
    .findLast((p) => p.getName() === 'NODE_OPTIONS')
    ?.getValue();
  return value === undefined || value === null ? [] : value.split(/\s+/).filter((o) => o !== '');
}
