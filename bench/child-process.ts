import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A bench script run in its own process with an IPC channel: `send()` sends it a message,
 * `message()` waits for the next message it sends, `stop()` disconnects (the scripts stop when their parent disconnects) and kills the
 * process if it has not exited in time. Its output goes to ours.
 */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #name: string;
  readonly #messages: unknown[] = [];
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;
  #wake: (() => void) | undefined;

  /**
   * `script` is a file name in `directory` (bench/ by default: a compiled copy of it is another);
   * `nodeOptions` are added to this process's own.
   */
  constructor(
    script: string,
    args: readonly string[],
    nodeOptions: readonly string[] = [],
    directory: URL = new URL('./', import.meta.url),
  ) {
    this.#name = script;
    this.#child = fork(fileURLToPath(new URL(script, directory)), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...process.execArgv, ...nodeOptions],
    });
    this.#child.on('message', (message) => {
      this.#messages.push(message);
      this.#wake?.();
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        this.#exitCode = code;
        this.#wake?.();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Sends `message` to the script (it must listen for it). */
  send(message: unknown): void {
    this.#child.send(message as object);
  }

  /** The next message; rejects if the process exits first or nothing comes within `timeoutMs`. */
  async message(timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#messages.length > 0) return this.#messages.shift();
      if (this.#exitCode !== undefined)
        throw new Error(`${this.#name} exited (code ${String(this.#exitCode)}) without answering`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.#name} sent nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.#exitCode !== undefined) return;
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
