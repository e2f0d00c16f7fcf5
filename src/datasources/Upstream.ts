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
import { asBffError, type BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { callFailure, upstreamFailure } from '../errors/fromUpstream.js';
import type { Protocol } from '../datasources/Protocol.js';
import { breakerStateChannel, upstreamCallChannel, type UpstreamCallEvent } from '../observability/channels.js';
import type { CallScope } from './CallScope.js';
import { RetryBudget } from '../traffic/RetryBudget.js';

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
  /** Caps retries at a share of the calls (src/traffic/RetryBudget). Default: 10 % over 10 s, at least 3. */
  retryBudget?: RetryBudget;
}

/** One attempt of a backend call: gets an abort signal (deadline or client gone) and its timeout. */
export type Attempt<T> = (signal: AbortSignal, timeoutMs: number) => Promise<T>;

/**
 * Failures that say the backend is unhealthy (what the breaker counts): those the protocol
 * tables of `fromUpstream` mark as a fault, and malformed answers (the data sources check
 * shapes inside the call). Never an answer about the request itself (a 4xx, INVALID_ARGUMENT,
 * NOT_FOUND…), nor a call cancelled because the client went away: counted, a few anonymous
 * clients could open a healthy backend's circuit for everyone (issue 14).
 */
function isUpstreamFault(error: unknown): boolean {
  return asBffError(error)?.fault === true;
}

/** One fault the breaker counted, as the receipt and the metrics name it. */
export interface FaultRecord {
  code: string;
  reason: string | undefined;
}

/**
 * The resilience envelope of one backend, shared by the process: per-request concurrency
 * (p-limit), per-attempt deadlines capped by the request budget, retries for idempotent
 * calls only, a circuit breaker, and one record per call for the fan-out receipt, the
 * metrics and the traces. Protocol clients (RestClient for REST and GraphQL, GrpcClient) run
 * every call through `call()` and translate their failures with `errors/fromUpstream` before
 * they get here; this class adds only the circuit's refusal and `callFailure`'s rule for writes.
 */
export class Upstream {
  readonly name: string;
  readonly protocol: Protocol;
  readonly timeoutMs: number;
  private readonly readPolicy: IPolicy;
  private readonly writePolicy: IPolicy;
  private readonly breaker;
  private readonly faults: FaultRecord[] = [];
  private readonly faultsKept: number;
  private readonly opens = new Map<string, number>();
  private readonly retryBudget: RetryBudget;

  constructor(options: UpstreamOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.breaker = circuitBreaker(handleWhen(isUpstreamFault), {
      halfOpenAfter: options.breakerHalfOpenAfterMs ?? 5000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    this.faultsKept = Math.max(1, Math.min(options.breakerThreshold ?? 5, 20));
    // Why the breaker opens: its last faults, kept for the receipt of every call it then
    // refuses (which all read UPSTREAM_UNAVAILABLE / circuit_open) and for the metrics.
    this.breaker.onFailure(({ handled, reason }) => {
      if (!handled || !('error' in reason)) return;
      const bff = asBffError(reason.error);
      if (this.faults.length === this.faultsKept) this.faults.shift();
      this.faults.push({ code: bff?.code ?? 'UNKNOWN', reason: bff?.reason });
    });
    this.breaker.onBreak(() => {
      const last = this.faults.at(-1)?.code ?? 'UNKNOWN';
      this.opens.set(last, (this.opens.get(last) ?? 0) + 1);
    });
    this.breaker.onStateChange((state) => {
      if (breakerStateChannel.hasSubscribers) {
        breakerStateChannel.publish({ backend: this.name, state: breakerStateName(state), lastFaults: this.lastFaults.map(faultLabel) });
      }
    });
    const retries = options.retries ?? 1;
    const budget = (this.retryBudget = options.retryBudget ?? new RetryBudget());
    // Only "unavailable" is retried: a timeout has already spent the budget, and a 4xx or
    // a bad answer will not change on a second try.
    const retryPolicy = retry(
      handleWhen((error) => {
        const bff = asBffError(error);
        return bff?.code === ErrorCode.UPSTREAM_UNAVAILABLE && bff.fault && budget.tryRetry();
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

  /** The last faults the breaker counted, oldest first (at most the breaker's threshold, ≤ 20). */
  get lastFaults(): readonly FaultRecord[] {
    return this.faults.slice();
  }

  /** How many times the breaker opened, by the code of the fault that opened it. */
  get opensByLastFault(): ReadonlyMap<string, number> {
    return this.opens;
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
          if (++attempts === 1) this.retryBudget.recordCall();
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
        ...(code !== undefined && { error: code, reason: failure?.reason }),
        // A refused call says only "circuit_open": the receipt says why the circuit opened.
        ...(failure?.reason === 'circuit_open' && { lastFaults: this.faults.map(faultLabel) }),
        ...(scope.routes?.[this.name] !== undefined && { variant: scope.routes[this.name] }),
      });
      if (upstreamCallChannel.hasSubscribers) {
        const event: UpstreamCallEvent = { backend: this.name, protocol: this.protocol, operation, keys, ms, error: code, attempts };
        upstreamCallChannel.publish(event);
      }
    }
  }

  /** The circuit's refusal in our words; everything else as `callFailure` says (one place for every protocol). */
  private translate(error: unknown, idempotent: boolean): BffError {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return upstreamFailure(this.name, ErrorCode.UPSTREAM_UNAVAILABLE, 'circuit_open', error);
    }
    return callFailure(this.name, error, idempotent);
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

/** `UPSTREAM_ERROR/http_500`: a fault as the receipt and logs show it. */
function faultLabel(fault: FaultRecord): string {
  return fault.reason === undefined ? fault.code : `${fault.code}/${fault.reason}`;
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
