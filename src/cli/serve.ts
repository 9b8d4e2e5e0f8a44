import type { Command } from 'commander';

/**
 * Runs `listen` on the address of the `--listen` flag; a failure (port in use, address not
 * available) exits through commander with a message naming the flag and the fix, not a stack trace.
 */
export async function listenOrFail(
  command: Command,
  address: { host: string; port: number },
  listen: (address: { host: string; port: number }) => Promise<string>,
): Promise<string> {
  return await listen(address).catch((error: unknown) => {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return command.error(
      `error: option '--listen <host:port>': cannot listen on ${address.host}:${address.port} (${reason}); pick another port, or 0 for any free one.`,
    );
  });
}

/** Resolves with the first SIGTERM or SIGINT, then stops listening for them. */
export async function shutdownSignal(): Promise<NodeJS.Signals> {
  return await new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
