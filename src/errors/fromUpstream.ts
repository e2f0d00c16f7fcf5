import { status as GrpcStatus } from '@grpc/grpc-js';
import { asBffError, BffError } from './BffError.js';
import { ErrorCode } from './codes.js';

/**
 * Protocol translation, once per protocol and only here. Resolvers never see a raw HTTP
 * status, a gRPC ServiceError or a socket error: the protocol clients (RestClient for REST and
 * GraphQL over HTTP, GrpcClient for gRPC) throw what these functions return, and every error
 * names the upstream it came from. Three tables hold the whole contract — `httpStatusTable`,
 * `grpcStatusTable`, `transportTable` — and test/unit/fromUpstream.test.ts walks every row.
 * The other functions here only tell apart what a table cannot see: a call *we* cancelled
 * (the client went away, our deadline) and a write whose outcome is unknown (`callFailure`).
 */

/**
 * How one kind of upstream failure is translated: the code our clients get, and whether it
 * is a `fault` of the upstream, i.e. says the backend is unhealthy. Only faults count against
 * the backend's circuit breaker, and only faults that say "unavailable" are retried.
 *
 * The rule behind the `fault` column: the breaker protects clients from a backend that cannot
 * serve anyone. An answer that is about *this* request (4xx: bad input, too large, not found,
 * not allowed, slow down) comes from a backend that works; counting it would let any anonymous
 * client open the breaker for everyone with a few bad requests (a 20 KB id answered 431 did,
 * issue 14). What counts: no connection, no answer in time, a 5xx (except 501, "I do not do
 * that", which a healthy backend says), gRPC UNAVAILABLE / INTERNAL / UNKNOWN /
 * DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED / DATA_LOSS, and an answer we cannot read.
 */
export interface Translation {
  readonly code: ErrorCode;
  readonly fault: boolean;
}

const t = (code: ErrorCode, fault: boolean): Translation => ({ code, fault });

/** HTTP statuses with a meaning of their own; the rest fall back by class (httpTranslation). */
export const httpStatusTable: ReadonlyMap<number, Translation> = new Map([
  [400, t(ErrorCode.BAD_USER_INPUT, false)],
  [401, t(ErrorCode.FORBIDDEN, false)],
  [403, t(ErrorCode.FORBIDDEN, false)],
  [404, t(ErrorCode.NOT_FOUND, false)],
  // The backend gave up waiting for *our* request; its own health is not in question.
  [408, t(ErrorCode.UPSTREAM_TIMEOUT, false)],
  // Too large a request (body, URL, headers): the input's fault, never the backend's.
  [413, t(ErrorCode.BAD_USER_INPUT, false)],
  [414, t(ErrorCode.BAD_USER_INPUT, false)],
  [422, t(ErrorCode.BAD_USER_INPUT, false)],
  // "Slow down" is an answer of a working backend; opening the breaker would only hide it.
  [429, t(ErrorCode.RATE_LIMITED, false)],
  [431, t(ErrorCode.BAD_USER_INPUT, false)],
  [500, t(ErrorCode.UPSTREAM_ERROR, true)],
  [501, t(ErrorCode.UPSTREAM_ERROR, false)],
  [502, t(ErrorCode.UPSTREAM_UNAVAILABLE, true)],
  [503, t(ErrorCode.UPSTREAM_UNAVAILABLE, true)],
  [504, t(ErrorCode.UPSTREAM_TIMEOUT, true)],
]);

/** What an upstream HTTP status means to our clients and to the breaker. 2xx is never passed here. */
export function httpTranslation(status: number): Translation {
  const row = httpStatusTable.get(status);
  if (row) return row;
  // Any other 4xx: about this request, and not one we expect to send (409, 405, …).
  if (status >= 400 && status < 500) return t(ErrorCode.UPSTREAM_BAD_RESPONSE, false);
  if (status >= 500 && status < 600) return t(ErrorCode.UPSTREAM_ERROR, true);
  // 1xx/3xx/nonsense: the backend answered something no request of ours asks for.
  return t(ErrorCode.UPSTREAM_BAD_RESPONSE, true);
}

/** What an upstream HTTP status means to our clients. 2xx is never passed here. */
export function codeForHttpStatus(status: number): ErrorCode {
  return httpTranslation(status).code;
}

/** Every gRPC status but OK (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const grpcStatusTable: Readonly<Record<number, Translation>> = {
  // A call cancelled by us is told apart before this table (request_cancelled, deadline);
  // one the server cancelled says nothing certain about its health.
  [GrpcStatus.CANCELLED]: t(ErrorCode.UPSTREAM_UNAVAILABLE, false),
  [GrpcStatus.UNKNOWN]: t(ErrorCode.UPSTREAM_ERROR, true),
  [GrpcStatus.INVALID_ARGUMENT]: t(ErrorCode.BAD_USER_INPUT, false),
  [GrpcStatus.DEADLINE_EXCEEDED]: t(ErrorCode.UPSTREAM_TIMEOUT, true),
  [GrpcStatus.NOT_FOUND]: t(ErrorCode.NOT_FOUND, false),
  [GrpcStatus.ALREADY_EXISTS]: t(ErrorCode.BAD_USER_INPUT, false),
  [GrpcStatus.PERMISSION_DENIED]: t(ErrorCode.FORBIDDEN, false),
  // Unlike HTTP 429, gRPC uses it for a server out of memory, threads or quota as a whole
  // (and for a message over the size limit, which our bounded batches do not reach): counted.
  [GrpcStatus.RESOURCE_EXHAUSTED]: t(ErrorCode.RATE_LIMITED, true),
  [GrpcStatus.FAILED_PRECONDITION]: t(ErrorCode.BAD_USER_INPUT, false),
  // A concurrency conflict of this one call (the client may retry it): the server works.
  [GrpcStatus.ABORTED]: t(ErrorCode.UPSTREAM_ERROR, false),
  [GrpcStatus.OUT_OF_RANGE]: t(ErrorCode.BAD_USER_INPUT, false),
  // Like HTTP 501: a healthy server that does not have the method.
  [GrpcStatus.UNIMPLEMENTED]: t(ErrorCode.UPSTREAM_ERROR, false),
  [GrpcStatus.INTERNAL]: t(ErrorCode.UPSTREAM_ERROR, true),
  [GrpcStatus.UNAVAILABLE]: t(ErrorCode.UPSTREAM_UNAVAILABLE, true),
  [GrpcStatus.DATA_LOSS]: t(ErrorCode.UPSTREAM_ERROR, true),
  [GrpcStatus.UNAUTHENTICATED]: t(ErrorCode.FORBIDDEN, false),
};

/** What a gRPC status code means to our clients and to the breaker; an unknown number is UNKNOWN. */
export function grpcTranslation(code: number): Translation {
  return grpcStatusTable[code] ?? grpcStatusTable[GrpcStatus.UNKNOWN]!;
}

/** What a gRPC status code means to our clients. */
export function codeForGrpcStatus(code: number): ErrorCode {
  return grpcTranslation(code).code;
}

/** What grpc-js hands a failed call's callback or stream (a `ServiceError`), as far as we read it. */
export interface GrpcFailure {
  code?: number | undefined;
  details?: string | undefined;
}

/**
 * A failed gRPC call, translated. Before the status table, what only the caller can know:
 * `requestSignal` aborted means the client went away (never a fault); `attemptSignal` aborted
 * means our own deadline timer cancelled the call a hair before grpc-js said DEADLINE_EXCEEDED;
 * UNAVAILABLE because the connection was refused means the call never reached the backend
 * (`connect_refused`: safe to say "not done" even for a write).
 */
export function fromGrpcError(upstream: string, error: GrpcFailure, requestSignal?: AbortSignal, attemptSignal?: AbortSignal): BffError {
  if (error.code === GrpcStatus.CANCELLED && requestSignal?.aborted) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, 'request_cancelled', error);
  }
  if (error.code === GrpcStatus.DEADLINE_EXCEEDED || (error.code === GrpcStatus.CANCELLED && attemptSignal?.aborted)) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_TIMEOUT, 'deadline', error, true);
  }
  if (error.code === GrpcStatus.UNAVAILABLE && /ECONNREFUSED|No connection established/i.test(error.details ?? '')) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, 'connect_refused', error, true);
  }
  return fromGrpcStatus(upstream, error.code ?? GrpcStatus.UNKNOWN, error);
}

/** A transport failure, as `transportTable` knows it: the reason, then what it means. */
export interface TransportRow extends Translation {
  readonly reason: string;
}

/**
 * Socket-level failures of an HTTP client (undici, fetch), by the error's `code` (or `name`).
 * A call cancelled because our client went away is told apart before this table.
 */
export const transportTable: ReadonlyMap<string, TransportRow> = new Map([
  // Never sent: known not to have reached the backend (a write may say "not done").
  ['ECONNREFUSED', { reason: 'connect_refused', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['ENOTFOUND', { reason: 'connect_refused', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['EAI_AGAIN', { reason: 'connect_refused', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['UND_ERR_CONNECT_TIMEOUT', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  // Past the call's deadline (our own timer aborts with these), or undici's own timers.
  ['TimeoutError', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  ['AbortError', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  ['UND_ERR_ABORTED', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  ['UND_ERR_HEADERS_TIMEOUT', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  ['UND_ERR_BODY_TIMEOUT', { reason: 'deadline', ...t(ErrorCode.UPSTREAM_TIMEOUT, true) }],
  // Cut off mid-way.
  ['ECONNRESET', { reason: 'econnreset', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['EPIPE', { reason: 'epipe', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['UND_ERR_SOCKET', { reason: 'und_err_socket', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  ['UND_ERR_CLOSED', { reason: 'und_err_closed', ...t(ErrorCode.UPSTREAM_UNAVAILABLE, true) }],
  // An answer we cannot take.
  ['UND_ERR_HEADERS_OVERFLOW', { reason: 'response_too_large', ...t(ErrorCode.UPSTREAM_BAD_RESPONSE, true) }],
  ['UND_ERR_RES_EXCEEDED_MAX_SIZE', { reason: 'response_too_large', ...t(ErrorCode.UPSTREAM_BAD_RESPONSE, true) }],
  // The request could not even be built (a header or path value the client refuses to send):
  // it never left this process, and only a request's own values can cause it.
  ['UND_ERR_INVALID_ARG', { reason: 'request_not_sendable', ...t(ErrorCode.BAD_USER_INPUT, false) }],
]);

/** Anything else a socket throws: counted, as an outage we have no better word for. */
const UNKNOWN_TRANSPORT: Omit<TransportRow, 'reason'> = t(ErrorCode.UPSTREAM_UNAVAILABLE, true);

/** The row of a transport error: by its `code`, else its `name`; fetch's TypeError is unwrapped to its cause. */
export function transportTranslation(error: unknown): TransportRow {
  type Thrown = { code?: unknown; name?: unknown; cause?: unknown } | null;
  let e = error as Thrown;
  if (error instanceof TypeError && error.cause && typeof error.cause === 'object') e = error.cause as Thrown;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const row = (code !== undefined && transportTable.get(code)) || (typeof e?.name === 'string' && transportTable.get(e.name));
  if (row) return row;
  return { reason: code ? code.toLowerCase() : 'socket_error', ...UNKNOWN_TRANSPORT };
}

/**
 * A socket-level failure of an HTTP call, translated. `requestSignal` is the request's own
 * signal: when it has aborted, the client went away, which says nothing about the backend.
 */
export function fromTransportError(upstream: string, error: unknown, requestSignal: AbortSignal): BffError {
  if (requestSignal.aborted) return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, 'request_cancelled', error);
  const row = transportTranslation(error);
  return new BffError(row.code, upstreamMessage(upstream, row.code), { upstream, reason: row.reason, fault: row.fault, cause: error });
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
  const { code, fault } = httpTranslation(status);
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason: `http_${status}`, fault, cause });
}

export function fromGrpcStatus(upstream: string, grpcCode: number, cause?: unknown): BffError {
  const { code, fault } = grpcTranslation(grpcCode);
  const name = GrpcStatus[grpcCode] ?? String(grpcCode);
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason: `grpc_${name}`, fault, cause });
}

/**
 * The upstream's answer did not parse or did not have the agreed shape: a fault of the
 * backend (counted by its breaker) when thrown inside the call, as every data source does.
 */
export function badResponse(upstream: string, reason: string, cause?: unknown): BffError {
  return new BffError(ErrorCode.UPSTREAM_BAD_RESPONSE, upstreamMessage(upstream, ErrorCode.UPSTREAM_BAD_RESPONSE), {
    upstream,
    reason,
    fault: true,
    cause,
  });
}

/**
 * A GraphQL answer (HTTP 2xx) that has `errors` and no `data`: our own documents with checked
 * ids failed as a whole, so the service did (a fault). Partial data is not a failure here:
 * the data source's check decides what it needs.
 */
export function graphqlErrors(upstream: string): BffError {
  return upstreamFailure(upstream, ErrorCode.UPSTREAM_ERROR, 'graphql_errors', undefined, true);
}

/** Reasons that say the request never left this process, so a write was certainly not applied. */
const NOT_SENT_REASONS: ReadonlySet<string> = new Set(['connect_refused', 'circuit_open', 'request_deadline']);

/**
 * What a failed backend call finally throws, whatever its protocol (Upstream.call uses it once,
 * after retries): the BffError a protocol client translated, an unexpected throw as
 * UPSTREAM_ERROR/`unexpected`, and for a write (`idempotent: false`) that failed with a fault
 * after it may have reached the backend, OUTCOME_UNKNOWN: saying "failed" could make a client
 * place a second order, saying "done" could lose one.
 */
export function callFailure(upstream: string, error: unknown, idempotent: boolean): BffError {
  const bff = asBffError(error) ?? upstreamFailure(upstream, ErrorCode.UPSTREAM_ERROR, 'unexpected', error);
  if (idempotent || !bff.fault || NOT_SENT_REASONS.has(bff.reason ?? '')) return bff;
  return new BffError(ErrorCode.OUTCOME_UNKNOWN, upstreamMessage(upstream, ErrorCode.OUTCOME_UNKNOWN), {
    upstream,
    reason: bff.reason ?? 'unknown',
    cause: bff,
  });
}

/**
 * A failure the caller has already classified; `fault` says whether the breaker counts it
 * (default false: only the tables above and explicit callers say a backend is unhealthy).
 */
export function upstreamFailure(upstream: string, code: ErrorCode, reason: string, cause?: unknown, fault = false): BffError {
  return new BffError(code, upstreamMessage(upstream, code), { upstream, reason, fault, cause });
}
