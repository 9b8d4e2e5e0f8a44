import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that run the real CLI as a child process, on the Node that runs the tests. */

export type Child = ChildProcessByStdio<null, Readable, Readable>;

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts `paiflow-controller <args>` from the sources, in the repository root. */
export function startCli(args: string[], env: Record<string, string> = {}): Child {
  return spawn(process.execPath, ['src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a stream's text as it arrives; call the returned function to read what came so far. */
export function collect(stream: Readable): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

/** The stream's first line (without the newline); rejects if the stream ends first. */
export async function firstLine(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end);
  }
  throw new Error(`stream ended before a full line: ${text}`);
}

/** Waits for the child to exit and returns its exit code. */
export async function exitCode(child: Child): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** A port free on 127.0.0.1 a moment ago: for a child process that takes its port as a flag. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
