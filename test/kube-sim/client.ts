/** A minimal HTTP client for kube-sim tests: JSON in, status + decoded JSON + headers out. */

/** A managedFields tree (`fieldsV1`). */
export interface FieldsTree {
  [element: string]: FieldsTree;
}

export interface ManagedEntry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: FieldsTree;
}

/** What the tests read of an object, a list or a Status, loosely typed. */
export interface Body {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    generation: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    managedFields: ManagedEntry[];
    continue?: string;
    remainingItemCount?: number;
    [key: string]: unknown;
  };
  spec: Record<string, unknown>;
  status?: { phase?: string; conditions?: unknown[]; [key: string]: unknown };
  data?: Record<string, string>;
  items: Body[];
  message: string;
  reason: string;
  code: number;
  details: { causes: Array<{ reason: string; message: string; field: string }> };
  [key: string]: unknown;
}

export interface Reply {
  status: number;
  body: Body;
  headers: Headers;
}

export interface WatchEvent {
  type: string;
  object: Body;
}

export type ApiClient = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply>;

export function apiClient(base: string, defaults: Record<string, string> = {}): ApiClient {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...defaults, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Body, headers: response.headers };
  };
}

/** Reads a watch stream until `count` events arrived or the server ended it. */
export async function watchEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.body === null) return [];
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: WatchEvent[] = [];
  let buffer = '';
  while (events.length < count) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
      buffer = buffer.slice(newline + 1);
    }
  }
  controller.abort();
  return events;
}
