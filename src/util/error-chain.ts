/**
 * An error and its causes as one line, outermost first: `fetch failed: connect ECONNREFUSED
 * 10.0.0.1:443`. A cause whose message its parent already contains is left out, and so is a code
 * its own message already names; an error without a message is shown by its code or name. Bounded
 * in depth, so a cyclic chain ends. Callers must only pass errors whose messages are safe to log.
 */
export function errorChain(error: unknown, maxDepth = 5): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < maxDepth; depth++) {
    const part = describe(current);
    if (part !== '' && !parts.some((p) => p.includes(part))) parts.push(part);
    current = current instanceof Object ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(': ');
}

function describe(error: unknown): string {
  if (!(error instanceof Object)) return String(error);
  const { message, code, name } = error as { message?: unknown; code?: unknown; name?: unknown };
  const text = typeof message === 'string' ? (message.split('\n')[0]?.trim() ?? '') : '';
  if (typeof code === 'string' && !text.includes(code)) return text === '' ? code : `${text} (${code})`;
  if (text !== '') return text;
  return typeof name === 'string' ? name : '';
}
