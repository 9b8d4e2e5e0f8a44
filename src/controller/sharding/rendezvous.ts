import { createHash } from 'node:crypto';

/**
 * The weight of `member` for `key` in rendezvous (highest random weight) hashing: the first 64 bits
 * of SHA-256 over both. Every replica computes the same weights whatever its platform, and a good
 * hash keeps the shares even for any member names.
 */
function weight(member: string, key: string): bigint {
  return createHash('sha256').update(member).update('\0').update(key).digest().readBigUInt64BE(0);
}

/**
 * The member that owns `key`: the one of highest weight (ties, practically impossible, go to the
 * smaller name), or undefined when there are no members. Adding a member moves only the keys the
 * newcomer wins, about 1/n of them; removing one moves only its keys.
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const member of members) {
    const w = weight(member, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = w;
    }
  }
  return best;
}
