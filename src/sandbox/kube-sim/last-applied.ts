import type { KubeObject } from './object-meta.ts';
import { isRecord, metadataOf } from './object-meta.ts';

/**
 * The real server's lastAppliedUpdater (k8s.io/apiserver's fieldmanager): when kubectl applies
 * server-side (field manager `kubectl`) to an object that carries kubectl's client-side
 * `last-applied-configuration` annotation, the server rewrites that annotation to the configuration
 * just applied, so that a later client-side apply starts from it. Found by the kubectl matrix on the
 * real server: after a server-side apply, the next client-side apply of the same file is `configured`
 * there (client-side apply writes `"annotations":{}`, the server's rewrite does not), and kube-sim,
 * which kept the old annotation, said `unchanged`.
 */

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Sets `updated`'s annotation from `config` when `manager` is kubectl and `live` had one. */
export function updateLastApplied(
  manager: string,
  live: KubeObject | undefined,
  config: KubeObject,
  updated: KubeObject,
): void {
  if (manager !== 'kubectl' || live === undefined) return;
  const liveAnnotations = metadataOf(live).annotations;
  if (!isRecord(liveAnnotations) || liveAnnotations[LAST_APPLIED] === undefined) return;
  const meta = metadataOf(updated);
  meta.annotations = {
    ...(isRecord(meta.annotations) ? meta.annotations : {}),
    [LAST_APPLIED]: encode(config),
  };
}

/**
 * The configuration without the annotation itself, as Go's encoding/json writes it: keys sorted,
 * `<`, `>`, `&`, U+2028 and U+2029 escaped, a newline at the end. An `annotations` map that held only
 * the annotation stays as `{}`; one that was absent stays absent.
 */
function encode(config: KubeObject): string {
  const copy = structuredClone(config);
  const meta = metadataOf(copy);
  if (isRecord(meta.annotations)) {
    meta.annotations = Object.fromEntries(
      Object.entries(meta.annotations).filter(([key]) => key !== LAST_APPLIED),
    );
  }
  const text = JSON.stringify(sorted(copy)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${text}\n`;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted(value[key])]),
  );
}
