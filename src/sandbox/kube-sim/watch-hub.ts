import type { ServerResponse } from 'node:http';
import { expired } from './errors.ts';
import type { Selection } from './list-query.ts';
import { selects } from './list-query.ts';
import type { KubeObject } from './object-meta.ts';
import type { ResourceType } from './resource-type.ts';
import { apiVersionOf } from './resource-type.ts';
import type { ObjectStore, StoreEvent } from './store.ts';

/**
 * Watch streams: newline-delimited `{"type","object"}` events over a chunked 200 response, as
 * the real server sends them. A watch starts from a resourceVersion (replaying the kept history;
 * a compacted one gets an ERROR event with a 410 Expired Status), or from "now" with synthetic
 * ADDED events for the current state; it may ask for bookmarks and for initial events ending
 * with a bookmark annotated `k8s.io/initial-events-end`. Objects that start or stop matching the
 * selectors arrive as ADDED or DELETED, as with the watch cache.
 */

export interface WatchRequest {
  selection: Selection;
  /** The `resourceVersion` query value ('' when absent). */
  resourceVersion: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number;
  /** Turns a served object into what the event carries (the object, a Table, metadata). */
  render(obj: KubeObject): unknown;
}

export interface WatchHubOptions {
  store: ObjectStore;
  /** How often watchers that allow bookmarks get one. */
  bookmarkIntervalMs: number;
}

interface Watcher {
  type: ResourceType;
  allowBookmarks: boolean;
  send(type: string, object: unknown): void;
  close(): void;
}

export class WatchHub {
  readonly #store: ObjectStore;
  readonly #bookmarkIntervalMs: number;
  readonly #watchers = new Set<Watcher>();

  constructor(options: WatchHubOptions) {
    this.#store = options.store;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs;
  }

  /** How many watches are open. */
  get size(): number {
    return this.#watchers.size;
  }

  /** Ends every open watch normally (clients re-watch from their last resourceVersion). */
  closeAll(): void {
    for (const watcher of [...this.#watchers]) watcher.close();
  }

  /** Sends a BOOKMARK now to every watch that allows them. */
  sendBookmarks(): void {
    for (const watcher of this.#watchers) if (watcher.allowBookmarks) this.#bookmark(watcher, false);
  }

  #bookmark(watcher: Watcher, initialEventsEnd: boolean): void {
    watcher.send('BOOKMARK', {
      kind: watcher.type.kind,
      apiVersion: apiVersionOf(watcher.type),
      metadata: {
        resourceVersion: String(this.#store.revision),
        ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    });
  }

  /** Serves a watch on `res` until the client goes, the timeout passes or the hub closes it. */
  serve(res: ServerResponse, request: WatchRequest): void {
    const { selection } = request;
    const { type } = selection;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const watcher: Watcher = {
      type,
      allowBookmarks: request.allowBookmarks,
      send: (eventType, object) => {
        if (!closed) res.write(`${JSON.stringify({ type: eventType, object })}\n`);
      },
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        for (const timer of timers) clearTimeout(timer);
        this.#watchers.delete(watcher);
        res.end();
      },
    };
    const deliver = (event: StoreEvent): void => {
      if (event.bucket !== type.bucket) return;
      const current = type.toServed(event.object);
      const before = event.previous === undefined ? undefined : type.toServed(event.previous);
      const wasSelected = before !== undefined && selects(selection, before);
      const isSelected = event.type !== 'DELETED' && selects(selection, current);
      if (event.type === 'DELETED') {
        if (wasSelected) watcher.send('DELETED', request.render(current));
      } else if (isSelected) {
        watcher.send(wasSelected ? 'MODIFIED' : 'ADDED', request.render(current));
      } else if (wasSelected) {
        watcher.send('DELETED', request.render(current));
      }
    };
    const unsubscribe = this.#store.subscribe(deliver);
    res.on('close', () => {
      watcher.close();
    });
    this.#watchers.add(watcher);

    const rv = request.resourceVersion;
    if (request.sendInitialEvents || rv === '' || rv === '0') {
      for (const stored of this.#store.list(type.bucket)) {
        const served = type.toServed(stored);
        if (selects(selection, served)) watcher.send('ADDED', request.render(served));
      }
      if (request.sendInitialEvents && request.allowBookmarks) this.#bookmark(watcher, true);
    } else {
      const from = Number(rv);
      const history = Number.isInteger(from) ? this.#store.eventsSince(type.bucket, from) : undefined;
      if (history === undefined) {
        watcher.send(
          'ERROR',
          expired(`too old resource version: ${rv} (${this.#store.compactedRevision})`).status,
        );
        watcher.close();
        return;
      }
      for (const event of history) deliver(event);
    }
    timers.push(
      setTimeout(() => {
        watcher.close();
      }, request.timeoutSeconds * 1000),
    );
    if (request.allowBookmarks) {
      const tick = (): void => {
        this.#bookmark(watcher, false);
        timers.push(setTimeout(tick, this.#bookmarkIntervalMs).unref());
      };
      timers.push(setTimeout(tick, this.#bookmarkIntervalMs).unref());
    }
  }
}
