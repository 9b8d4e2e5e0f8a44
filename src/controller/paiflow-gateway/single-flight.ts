import { abortReason, whenAborted } from './abort.ts';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting for this flight's outcome. */
  waiters: number;
}

/**
 * Makes identical concurrent calls once (Go's `singleflight`, with cancellation): while a call for a
 * key is in flight, later callers with the same key wait for its outcome instead of starting their
 * own, and all of them get the same value or the same error (the same object: treat it as read-only).
 * Once the call settles the key is free again, and the next caller starts a new call.
 *
 * Every caller may stop waiting on its own (`signal`); the call itself is aborted, through the signal
 * it was given, only when every caller has stopped waiting, and from then on the key is free again.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** Keys with a call in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * `call`'s outcome for `key`: a new call, or the one in flight for the key. Aborting `signal`
   * rejects this caller's promise with `signal.reason`.
   */
  run(key: string, call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    const flight = this.#flights.get(key) ?? this.#start(key, call);
    flight.waiters += 1;
    return new Promise<T>((resolve, reject) => {
      const stopListening = whenAborted(signal, (reason) => {
        reject(reason);
        flight.waiters -= 1;
        if (flight.waiters > 0) return;
        this.#forget(key, flight);
        flight.controller.abort(reason);
      });
      flight.promise.finally(stopListening).then(resolve, reject);
    });
  }

  #start(key: string, call: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    // The executor turns a synchronous throw of `call` into a rejection shared like any other.
    const promise = new Promise<T>((resolve) => {
      resolve(call(controller.signal));
    });
    const flight: Flight<T> = { promise, controller, waiters: 0 };
    this.#flights.set(key, flight);
    // Also handles the rejection of a flight every caller has left, which nobody else awaits.
    const forget = (): void => {
      this.#forget(key, flight);
    };
    promise.then(forget, forget);
    return flight;
  }

  /** A newer flight may hold the key by now (after every waiter left the old one): leave it alone. */
  #forget(key: string, flight: Flight<T>): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }
}
