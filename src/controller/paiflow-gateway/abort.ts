/**
 * Why `signal` was aborted, as an Error to reject with: its `reason` when that is an Error (by
 * default a DOMException named `AbortError`), otherwise an Error quoting it.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/**
 * Calls `onAbort` once with the abort reason when `signal` aborts. Returns the function that stops
 * listening, which the caller must call once it no longer cares (listeners on a long-lived signal
 * would pile up otherwise).
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: (reason: Error) => void): () => void {
  if (signal === undefined) return () => undefined;
  const listener = (): void => {
    onAbort(abortReason(signal));
  };
  signal.addEventListener('abort', listener, { once: true });
  return () => {
    signal.removeEventListener('abort', listener);
  };
}
