export { Ownership } from './ownership.ts';
export { rendezvousOwner } from './rendezvous.ts';
export { shardKey } from './shard-key.ts';
export { ShardedReconciler, type ShardedReconcilerOptions } from './sharded-reconciler.ts';
export { ShardRing, type OwnershipChange, type RingEvent, type ShardRingOptions } from './shard-ring.ts';
export { VIEW_ANNOTATION, viewOf, type View } from './view.ts';
