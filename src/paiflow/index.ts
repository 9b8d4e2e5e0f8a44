/**
 * The PAIFlow API client: everything the controller, the CLI and the simulators use from this folder.
 * Nothing here knows of Kubernetes.
 */
export { PaiflowClient, type AttemptEvent, type CallOptions, type PaiflowClientOptions } from './client.ts';
export {
  AccessCredentials,
  DefaultChainCredentialsProvider,
  StaticCredentialsProvider,
  type CredentialsProvider,
} from './credentials.ts';
export {
  checkEndpointAllowList,
  DEFAULT_ENDPOINT_ALLOW_LIST,
  isEndpointAllowed,
  parseEndpoint,
  regionalEndpoint,
} from './endpoint.ts';
export {
  classifyPaiflowError,
  isExpiredSecurityToken,
  isRetryable,
  PaiflowError,
  type PaiflowErrorKind,
  type PaiflowErrorOptions,
  type PaiflowErrorReason,
} from './errors.ts';
export {
  createPaiflowDispatcher,
  parseCaBundle,
  redactProxyUrl,
  type PaiflowNetworkOptions,
} from './network.ts';
export { normalizeTimestamp, parseRuntimeInfo } from './parse.ts';
export { parseRetryAfter } from './response-error.ts';
export { DEFAULT_RETRY_OPTIONS, type RetryOptions } from './retry.ts';
export { PAIFLOW_API_VERSION } from './transport.ts';
export type * from './types.ts';
