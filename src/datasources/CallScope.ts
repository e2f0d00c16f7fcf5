import pLimit, { type LimitFunction } from 'p-limit';
import type { CallSigner } from '../auth/signIdentity.js';
import type { FanoutRecorder } from '../context/FanoutRecorder.js';

/**
 * What one request hands to every backend call it makes: who it is for (the propagation
 * headers), how long it may still take (the deadline), when to give up (the signal), where
 * the call is recorded, and the per-backend concurrency caps of this request.
 *
 * Built once per request by `buildContext`; data-source methods take it as their last
 * argument, so the process-wide clients stay free of per-request state.
 */
export class CallScope {
  private limiters: Map<string, LimitFunction> | undefined;

  constructor(
    readonly requestId: string,
    /** Headers (REST, GraphQL) or metadata (gRPC) every call carries: request id, identity, trace (unsigned). */
    readonly propagation: Readonly<Record<string, string>>,
    /** Epoch ms by which the whole request must be answered. */
    readonly deadline: number,
    /** Aborted when the client goes away or the request is shut down. */
    readonly signal: AbortSignal,
    readonly fanout: FanoutRecorder,
    /** Calls one request may keep in flight per backend (p-limit), by backend name. */
    private readonly concurrency: Readonly<Record<string, number>>,
    /** Signs the identity for one call (signIdentity's callSigner); none without a secret. */
    private readonly sign?: CallSigner,
    /** Backend → variant of the instance this request calls (src/routing); labels each call's record. */
    readonly routes?: Readonly<Record<string, string>>,
  ) {}

  /**
   * The headers (or metadata) of one call: `propagation` plus the identity signed for this
   * backend and this call (`METHOD /path?query`, or the gRPC method path). Made per attempt.
   */
  headersFor(backend: string, call: string): Record<string, string> {
    return this.sign ? { ...this.propagation, ...this.sign(backend, call) } : { ...this.propagation };
  }

  /** The p-limit for `backend` in this request (made on first use). */
  limit(backend: string): LimitFunction {
    this.limiters ??= new Map();
    let limiter = this.limiters.get(backend);
    if (!limiter) {
      limiter = pLimit(this.concurrency[backend] ?? 8);
      this.limiters.set(backend, limiter);
    }
    return limiter;
  }

  /** Milliseconds left of the request's budget (may be negative). */
  remainingMs(now = Date.now()): number {
    return this.deadline - now;
  }
}
