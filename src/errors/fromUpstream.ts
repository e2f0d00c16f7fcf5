import { status as GrpcStatus } from '@grpc/grpc-js';
import { BffError } from './BffError.js';
import { ErrorCode } from './codes.js';

/**
 * Protocol translation, once per protocol. Resolvers never see a raw HTTP status, a gRPC
 * ServiceError or a socket error: data sources throw what these functions return, and
 * every error names the upstream it came from.
 */

/** What an upstream HTTP status means to our clients. 2xx is never passed here. */
export function codeForHttpStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return ErrorCode.BAD_USER_INPUT;
  if (status === 401 || status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 408 || status === 504) return ErrorCode.UPSTREAM_TIMEOUT;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 502 || status === 503) return ErrorCode.UPSTREAM_UNAVAILABLE;
  if (status >= 500) return ErrorCode.UPSTREAM_ERROR;
  // 1xx/3xx/other 4xx: the backend answered something we did not ask for.
  return ErrorCode.UPSTREAM_BAD_RESPONSE;
}

const grpcCodes: Readonly<Record<number, ErrorCode>> = {
  [GrpcStatus.CANCELLED]: ErrorCode.UPSTREAM_UNAVAILABLE,
  [GrpcStatus.UNKNOWN]: ErrorCode.UPSTREAM_ERROR,
  [GrpcStatus.INVALID_ARGUMENT]: ErrorCode.BAD_USER_INPUT,
  [GrpcStatus.DEADLINE_EXCEEDED]: ErrorCode.UPSTREAM_TIMEOUT,
  [GrpcStatus.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [GrpcStatus.ALREADY_EXISTS]: ErrorCode.BAD_USER_INPUT,
  [GrpcStatus.PERMISSION_DENIED]: ErrorCode.FORBIDDEN,
  [GrpcStatus.RESOURCE_EXHAUSTED]: ErrorCode.RATE_LIMITED,
  [GrpcStatus.FAILED_PRECONDITION]: ErrorCode.BAD_USER_INPUT,
  [GrpcStatus.ABORTED]: ErrorCode.UPSTREAM_ERROR,
  [GrpcStatus.OUT_OF_RANGE]: ErrorCode.BAD_USER_INPUT,
  [GrpcStatus.UNIMPLEMENTED]: ErrorCode.UPSTREAM_ERROR,
  [GrpcStatus.INTERNAL]: ErrorCode.UPSTREAM_ERROR,
  [GrpcStatus.UNAVAILABLE]: ErrorCode.UPSTREAM_UNAVAILABLE,
  [GrpcStatus.DATA_LOSS]: ErrorCode.UPSTREAM_ERROR,
  [GrpcStatus.UNAUTHENTICATED]: ErrorCode.FORBIDDEN,
};

/** What a gRPC status code means to our clients. */
export function codeForGrpcStatus(code: number): ErrorCode {
  return grpcCodes[code] ?? ErrorCode.UPSTREAM_ERROR;
}

const messages: Partial<Record<ErrorCode, string>> = {
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  UPSTREAM_TIMEOUT: 'did not answer in time',
  UPSTREAM_BAD_RESPONSE: 'sent a response that could not be read',
  UPSTREAM_ERROR: 'failed',
  RATE_LIMITED: 'is rate limiting us',
  FORBIDDEN: 'refused the request',
  NOT_FOUND: 'does not know the requested item',
  BAD_USER_INPUT: 'rejected the input',
  OUTCOME_UNKNOWN: 'may or may not have applied the change',
};

/** A client-safe message naming the upstream: backend messages are not passed on. */
export function upstreamMessage(upstream: string, code: ErrorCode): string {
  return `The ${upstream} service ${messages[code] ?? 'failed'}.`;
}

export function fromHttpStatus(upstream: string, status: number, cause?: unknown): BffError {
  const code = codeForHttpStatus(status);
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason: `http_${status}`, cause });
}

export function fromGrpcStatus(upstream: string, grpcCode: number, cause?: unknown): BffError {
  const code = codeForGrpcStatus(grpcCode);
  const name = GrpcStatus[grpcCode] ?? String(grpcCode);
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason: `grpc_${name}`, cause });
}

/** The upstream's answer did not parse or did not have the agreed shape. */
export function badResponse(upstream: string, reason: string, cause?: unknown): BffError {
  return new BffError(ErrorCode.UPSTREAM_BAD_RESPONSE, upstreamMessage(upstream, ErrorCode.UPSTREAM_BAD_RESPONSE), {
    upstream,
    reason,
    cause,
  });
}

export function upstreamFailure(upstream: string, code: ErrorCode, reason: string, cause?: unknown): BffError {
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason, cause });
}
