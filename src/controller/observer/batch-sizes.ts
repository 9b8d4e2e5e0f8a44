/** Nodes per ListPipelineRunsStatus call unless configured otherwise (`--paiflow-batch-size`). */
export const DEFAULT_BATCH_SIZE = 100;

/**
 * The ListPipelineRunsStatus batch size per endpoint, starting at the configured size and halved
 * each time an endpoint refuses a batch as too big (InvalidParameter): the real limit is
 * undocumented, so it is found by asking. Below 1, or at once when the endpoint does not serve the
 * action at all, the endpoint gets per-node detail calls (size 0) for the life of the process.
 * Remembered per endpoint, since a proxy or region may differ from the others.
 */
export class BatchSizes {
  readonly #configured: number;
  readonly #byEndpoint = new Map<string, number>();

  /** `configured` 0 turns batching off everywhere: every poll is a per-node detail call. */
  constructor(configured: number) {
    if (!Number.isInteger(configured) || configured < 0) {
      throw new Error(`expected the batch size to be an integer >= 0, got ${configured}`);
    }
    this.#configured = configured;
  }

  sizeFor(endpoint: string): number {
    return this.#byEndpoint.get(endpoint) ?? this.#configured;
  }

  /**
   * `endpoint` refused a batch made at batch size `size`: halves its size (once per refused size, so
   * batches refused concurrently halve it once); to 0 when the action is `unsupported`. Returns the
   * change, or undefined when an earlier refusal already lowered it.
   */
  refused(endpoint: string, size: number, unsupported = false): { from: number; to: number } | undefined {
    const current = this.sizeFor(endpoint);
    if (size > current || current === 0) return undefined;
    const to = unsupported ? 0 : Math.floor(current / 2);
    this.#byEndpoint.set(endpoint, to);
    return { from: current, to };
  }
}
