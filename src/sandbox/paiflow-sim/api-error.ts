/**
 * Errors the simulator answers with, in Alibaba Cloud's body format
 * `{"RequestId","HostId","Code","Message","Recommend"}`. Codes, statuses and messages follow Alibaba's
 * public error centre (product "Public") where it documents them; the two PAIFlow not-found codes are
 * UNCONFIRMED (the real service's 404 code for an unknown run or node is not published), so they follow
 * the common `InvalidXxx.NotFound` convention and clients must classify by HTTP status. Sources and
 * assumptions are listed in docs/paiflow-sim.md.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The catalogue: one constructor per situation, so a code and its status never drift apart. */
export const apiErrors = {
  missingParameter: (name: string) =>
    new ApiError(
      400,
      'MissingParameter',
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, detail: string) =>
    new ApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${detail}`),
  invalidAction: (method: string, path: string) =>
    new ApiError(
      404,
      'InvalidAction.NotFound',
      `Specified api is not found, please check your url and method: ${method} ${path}`,
    ),
  invalidVersion: (version: string) =>
    new ApiError(
      400,
      'InvalidVersion',
      `Specified parameter Version is not valid: "${version}" (PAIFlow is 2021-02-02).`,
    ),
  pipelineRunNotFound: (runId: string) =>
    new ApiError(
      404,
      'InvalidPipelineRunId.NotFound',
      `The specified pipeline run "${runId}" does not exist.`,
    ),
  nodeNotFound: (runId: string, nodeId: string) =>
    new ApiError(
      404,
      'InvalidNodeId.NotFound',
      `The specified node "${nodeId}" does not exist in pipeline run "${runId}".`,
    ),
  forbidden: () =>
    new ApiError(
      403,
      'Forbidden.RAM',
      'User not authorized to operate on the specified resource, or this API does not support RAM.',
    ),
  shareTokenRequired: (runId: string) =>
    new ApiError(
      403,
      'Forbidden.RAM',
      `You are not authorized to operate on the specified resource: pipeline run "${runId}" is shared; pass its share token as TokenId.`,
    ),
  incompleteSignature: (detail: string) =>
    new ApiError(
      400,
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards: ${detail}`,
    ),
  accessKeyNotFound: () =>
    new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  timestampFormat: (value: string | undefined) =>
    new ApiError(
      400,
      'InvalidTimeStamp.Format',
      `Specified time stamp or date value is not well formatted: x-acs-date must be UTC yyyy-MM-ddTHH:mm:ssZ, got "${value ?? ''}".`,
    ),
  timestampExpired: (value: string) =>
    new ApiError(
      400,
      'InvalidTimeStamp.Expired',
      `Specified time stamp or date value is expired: x-acs-date "${value}" is more than 15 minutes from the server time.`,
    ),
  nonceUsed: () => new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  signatureMismatch: (detail: string) =>
    new ApiError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. ${detail}`,
    ),
  securityTokenMissing: () =>
    new ApiError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this access key.'),
  securityTokenMismatch: () =>
    new ApiError(
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    ),
  securityTokenExpired: () =>
    new ApiError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  throttled: (status: number, headers: Record<string, string>) =>
    new ApiError(status, 'Throttling.User', 'Request was denied due to user flow control.', headers),
  internalError: () =>
    new ApiError(
      500,
      'InternalError',
      'The request processing has failed due to some unknown error, exception or failure.',
    ),
  serviceUnavailable: () =>
    new ApiError(
      503,
      'ServiceUnavailable',
      'The request has failed due to a temporary failure of the server.',
    ),
};

/** The JSON body of an error response. */
export function errorBody(error: ApiError, requestId: string, hostId: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=PAIFlow&requestId=${requestId}`,
  };
}
