import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IsolatedCircuitError,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { asBffError, BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { upstreamFailure, upstreamMessage } from '../errors/fromUpstream.js';
import type { Protocol } from '../context/FanoutRecorder.js';
import { breakerStateChannel, upstreamCallChannel, type UpstreamCallEvent } from '../observability/channels.js';
import type { CallScope } from './CallScope.js';

export interface UpstreamOptions {
  /** Backend name, as errors, the fan-out receipt and metrics name it (`users`, `orders`). */
  name: string;
  protocol: Protocol;
  /** Per-attempt timeout; capped by what is left of the request's budget. Default 2000. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls that failed as unavailable. Default 1. */
  retries?: number;
  /** Consecutive upstream failures that open the breaker. Default 5. */
  breakerThreshold?: number;
  /** How long an open breaker waits before letting one call through. Default 5000. */
  breakerHalfOpenAfterMs?: number;
}

/** One attempt of a backend call: gets an abort signal (deadline or client gone) and its timeout. */
export type Attempt<T> = (signal: AbortSignal, timeoutMs: number) => Promise<T>;

/** Reasons a protocol client gives when it knows the request never left this process. */
const NOT_SENT_REASONS: ReadonlySet<string> = new Set(['connect_refused', 'circuit_open', 'request_deadline']);

/**
 * Failures that say something about the backend's health (what the breaker counts). A call
 * cancelled because the client went away says nothing about the backend: counted, a few
 * impatient clients would open a healthy backend's circuit.
 */
function isUpstreamFault(error: unknown): boolean {
  const bff = asBffError(error);
  const code = bff?.code;
  if (bff?.reason === 'request_cancelled') return false;
  return (
    code === ErrorCode.UPSTREAM_UNAVAILABLE ||
    code === ErrorCode.UPSTREAM_TIMEOUT ||
    code === ErrorCode.UPSTREAM_ERROR ||
    code === ErrorCode.UPSTREAM_BAD_RESPONSE
  );
}

/**
 * The resilience envelope of one backend, shared by the process: per-request concurrency
 * (p-limit), per-attempt deadlines capped by the request budget, retries for idempotent
 * calls only, a circuit breaker, and one record per call for the fan-out receipt, the
 * metrics and the traces. Protocol clients (REST, gRPC, GraphQL) run every call through
 * `call()` and translate their own failures into BffErrors before they get here.
 */
export class Upstream {
  readonly name: string;
  readonly protocol: Protocol;
  readonly timeoutMs: number;
  private readonly readPolicy: IPolicy;
  private readonly writePolicy: IPolicy;
  private readonly breaker;

  constructor(options: UpstreamOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.breaker = circuitBreaker(handleWhen(isUpstreamFault), {
      halfOpenAfter: options.breakerHalfOpenAfterMs ?? 5000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    this.breaker.onStateChange((state) => {
      if (breakerStateChannel.hasSubscribers) {
        breakerStateChannel.publish({ backend: this.name, state: breakerStateName(state) });
      }
    });
    const retries = options.retries ?? 1;
    // Only "unavailable" is retried: a timeout has already spent the budget, and a 4xx or
    // a bad answer will not change on a second try.
    const retryPolicy = retry(
      handleWhen((error) => {
        const bff = asBffError(error);
        return bff?.code === ErrorCode.UPSTREAM_UNAVAILABLE && bff.reason !== 'circuit_open' && bff.reason !== 'request_cancelled';
      }),
      { maxAttempts: retries, backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: 100 }) },
    );
    this.readPolicy = retries > 0 ? wrap(this.breaker, retryPolicy) : this.breaker;
    this.writePolicy = this.breaker;
  }

  /** `closed`, `open`, `half_open` or `isolated`. */
  get breakerState(): BreakerStateName {
    return breakerStateName(this.breaker.state);
  }

  /**
   * Runs one logical backend call. Reads (`idempotent: true`) may be retried; writes are sent
   * at most once, and a write whose outcome cannot be known fails with OUTCOME_UNKNOWN.
   *
   * @returns what the attempt returned.
   * @throws BffError naming this upstream, whatever went wrong.
   */
  async call<T>(scope: CallScope, operation: string, keys: number, attempt: Attempt<T>, idempotent: boolean): Promise<T> {
    const start = performance.now();
    let attempts = 0;
    let failure: BffError | undefined;
    try {
      return await scope.limit(this.name)(() =>
        (idempotent ? this.readPolicy : this.writePolicy).execute(() => {
          attempts++;
          // An abort listener added to an already-aborted signal never fires: check first.
          if (scope.signal.aborted) {
            throw upstreamFailure(this.name, ErrorCode.UPSTREAM_UNAVAILABLE, 'request_cancelled');
          }
          const remaining = scope.remainingMs();
          if (remaining <= 0) {
            throw upstreamFailure(this.name, ErrorCode.UPSTREAM_TIMEOUT, 'request_deadline');
          }
          return runAttempt(attempt, scope.signal, Math.min(this.timeoutMs, remaining));
        }),
      );
    } catch (error) {
      failure = this.translate(error, idempotent);
      throw failure;
    } finally {
      const ms = performance.now() - start;
      const code = failure?.code;
      scope.fanout.record({
        backend: this.name,
        protocol: this.protocol,
        operation,
        keys,
        ms: Math.round(ms * 100) / 100,
        ...(code !== undefined && { error: code }),
      });
      if (upstreamCallChannel.hasSubscribers) {
        const event: UpstreamCallEvent = { backend: this.name, protocol: this.protocol, operation, keys, ms, error: code, attempts };
        upstreamCallChannel.publish(event);
      }
    }
  }

  private translate(error: unknown, idempotent: boolean): BffError {
    let bff = asBffError(error);
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      bff = upstreamFailure(this.name, ErrorCode.UPSTREAM_UNAVAILABLE, 'circuit_open', error);
    }
    bff ??= upstreamFailure(this.name, ErrorCode.UPSTREAM_ERROR, 'unexpected', error);
    if (!idempotent && isUpstreamFault(bff) && !NOT_SENT_REASONS.has(bff.reason ?? '')) {
      // The request may have reached the backend: saying "failed" could make a client place
      // a second order, saying "done" could lose one. Say what we know.
      return new BffError(ErrorCode.OUTCOME_UNKNOWN, upstreamMessage(this.name, ErrorCode.OUTCOME_UNKNOWN), {
        upstream: this.name,
        reason: bff.reason ?? 'unknown',
        cause: bff,
      });
    }
    return bff;
  }
}

/**
 * Runs one attempt with a signal that aborts when the request's signal does (with its reason)
 * or when `timeoutMs` passes (with a TimeoutError, as `AbortSignal.timeout` gives). Same signal
 * as `AbortSignal.any([request, AbortSignal.timeout(ms)])`, but its timer and its listener on
 * the request's signal are released as soon as the attempt settles: `any()` + `timeout()` cost
 * two signals, weak references and a timer that lives on for the full timeout after every
 * call, and they showed up among the per-request costs in profiles of the Home load (see
 * docs/performance.md).
 */
function runAttempt<T>(attempt: Attempt<T>, requestSignal: AbortSignal, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  const onRequestAbort = (): void => controller.abort(requestSignal.reason);
  requestSignal.addEventListener('abort', onRequestAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  // Like AbortSignal.timeout's timer: never what keeps the process alive.
  timer.unref();
  const release = (): void => {
    clearTimeout(timer);
    requestSignal.removeEventListener('abort', onRequestAbort);
  };
  let pending: Promise<T>;
  try {
    pending = attempt(controller.signal, timeoutMs);
  } catch (error) {
    release();
    throw error;
  }
  return pending.then(
    (value) => {
      release();
      return value;
    },
    (error: unknown) => {
      release();
      throw error;
    },
  );
}

export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

function breakerStateName(state: CircuitState): BreakerStateName {
  switch (state) {
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Isolated:
      return 'isolated';
    default:
      return 'closed';
  }
}
