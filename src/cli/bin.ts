#!/usr/bin/env node
// The installed command's entry point. It imports nothing before checking the Node version: on an
// older Node the dependencies fail deep inside with errors that name neither Node nor a fix (undici
// reads APIs Node 20 lacks), so this file must stay parseable and runnable by any Node >= 14.

/** The oldest Node the dependencies support; equal to package.json's `engines.node` (a test checks). */
const MINIMUM_NODE = [22, 19] as const;

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1])) {
  process.stderr.write(
    `paiflow-controller needs Node.js >= ${MINIMUM_NODE.join('.')}, this is ${process.version}: install Node.js 24 (https://nodejs.org, or \`nvm install 24\`) and run it again.\n`,
  );
  process.exit(1);
}
await import('./main.ts');
