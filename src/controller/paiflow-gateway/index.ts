/**
 * The PAIFlow gateway: how the controller calls PAIFlow, under a rate limit per credentials identity,
 * concurrency limits per endpoint and per identity at an endpoint, and single-flight for identical
 * concurrent requests. Nothing here knows
 * of Kubernetes.
 */
export {
  PaiflowGateway,
  type GatewayCallOptions,
  type PaiflowGatewayOptions,
  type PaiflowTarget,
} from './paiflow-gateway.ts';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export { ConcurrencyLimit, type ConcurrencyLimitOptions, type Release } from './concurrency-limit.ts';
export { SingleFlight } from './single-flight.ts';
export { requestKey, type RequestKeyParts } from './request-key.ts';
