import { createHash } from 'node:crypto';

/** A set of ring members as one replica sees it: sorted identities and their hash. */
export interface View {
  readonly members: readonly string[];
  /** What a member publishes (annotation {@link VIEW_ANNOTATION}) to say it applies this view. */
  readonly hash: string;
}

/** The annotation of a member Lease holding the hash of the view its holder applies. */
export const VIEW_ANNOTATION = 'paiflow.dev/shard-view';

/** The view of a set of members, whatever their order. */
export function viewOf(members: Iterable<string>): View {
  const sorted = [...new Set(members)].sort();
  // 64 bits of SHA-256: replicas compare hashes, so a collision would need two different views of
  // the same ring to meet, at odds of 2^-64.
  const hash = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16);
  return { members: sorted, hash };
}
