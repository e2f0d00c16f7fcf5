import { GraphQLError } from 'graphql';
import { type ErrorCode, httpStatusOf } from './codes.js';

export interface BffErrorOptions {
  /** Which backend the failure came from, when it came from one. */
  upstream?: string;
  /** Machine-readable detail (`deadline`, `circuit_open`, `status_503`, …); never a new code. */
  reason?: string;
  /**
   * Whether the failure says the upstream is unhealthy: what its circuit breaker counts and
   * what may be retried. Set only by the translation tables of `fromUpstream`; default false.
   */
  fault?: boolean;
  /** Set when the error rejects the whole request and must set the HTTP status. */
  httpStatus?: number;
  cause?: unknown;
  /** Extra extensions a client may read (e.g. `retryAfterSeconds`). */
  extensions?: Record<string, unknown>;
}

/**
 * An error that is ours: its message is written for the client and survives masking in
 * production. Anything that is not a BffError is masked as "Unexpected error.".
 */
export class BffError extends GraphQLError {
  readonly code: ErrorCode;
  readonly upstream: string | undefined;
  readonly reason: string | undefined;
  /** Whether the upstream is to blame (see BffErrorOptions.fault). */
  readonly fault: boolean;

  constructor(code: ErrorCode, message: string, options: BffErrorOptions = {}) {
    super(message, {
      originalError: options.cause instanceof Error ? options.cause : undefined,
      extensions: {
        code,
        ...(options.upstream !== undefined && { upstream: options.upstream }),
        ...(options.reason !== undefined && { reason: options.reason }),
        ...options.extensions,
        ...(options.httpStatus !== undefined && { http: { status: options.httpStatus } }),
      },
    });
    this.name = 'BffError';
    this.code = code;
    this.upstream = options.upstream;
    this.reason = options.reason;
    this.fault = options.fault ?? false;
  }

  /**
   * The same error without a stack trace, for refusals that are policy, not failure, and can come
   * by the thousand under load (a DEGRADED field in every row of a list): capturing and
   * formatting stacks was ~4 % of an overloaded BFF's CPU in a profile, and they say nothing.
   */
  static withoutStack(code: ErrorCode, message: string, options: BffErrorOptions = {}): BffError {
    const error = withoutStackTraces(() => new BffError(code, message, options));
    // The stack as a plain string now: V8 would otherwise format it (through Node's
    // prepareStackTrace) the first time anyone reads it, as GraphQLError does when wrapping it.
    error.stack = `${error.name}: ${error.message}`;
    return error;
  }

  /** The same error, rejecting the whole request with the status its code implies. */
  static request(code: ErrorCode, message: string, options: BffErrorOptions = {}): BffError {
    return new BffError(code, message, { httpStatus: httpStatusOf[code], ...options });
  }
}

/** Runs `make` with V8 capturing no stack frames for the errors it constructs. */
export function withoutStackTraces<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether an error (or the original error a GraphQLError wraps) is a BffError. */
export function asBffError(error: unknown): BffError | undefined {
  if (error instanceof BffError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof BffError) return error.originalError;
  return undefined;
}
