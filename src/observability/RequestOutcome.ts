import type { BffContext } from '../context/BffContext.js';
import type { FanoutRecorder } from '../context/FanoutRecorder.js';

/** Why a request was shed: too many in flight, or the event loop too busy. */
export type ShedReason = 'in_flight' | 'event_loop';

/** Which limit a rate-limit decision counted against. */
export type RateLimitName = 'anonymous' | 'user' | 'apiKey' | 'mutation' | 'cost' | 'operation' | 'refusals';

export interface RateLimitDecision {
  limit: RateLimitName;
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets (what `retry-after` says when rejected). */
  retryAfterSeconds: number;
}

/**
 * What happened to one HTTP request, written by each stage that decides something (load
 * shedding, rate limiting, the GraphQL pipeline, error replies) and read once when the
 * response is finished, by the access log and the metrics. Made in the first `onRequest`
 * hook, so every request has one, including those rejected before GraphQL.
 */
export class RequestOutcome {
  /** The operation's name once GraphQL resolved it; `undefined` before or without one. */
  operationName: string | undefined;
  operationType: 'query' | 'mutation' | 'subscription' | undefined;
  /** SHA-256 of the document (Apollo's `queryHash`), so log lines of one document group. */
  documentHash: string | undefined;
  /** The error codes of the response, in order, as clients see them. */
  readonly errorCodes: string[] = [];
  /** Every rate-limit decision taken for the request (the caller's, then the mutation limit). */
  readonly rateLimits: RateLimitDecision[] = [];
  shed: ShedReason | undefined;
  /** Served by the fast path (src/server/createFastPath.ts) rather than Apollo's pipeline. */
  fastPath = false;
  /** The key rate limits count this caller under (`user:u-1`, `ip:10.0.0.1`, …). */
  caller: string | undefined;
  /**
   * The fan-out recorder of the request's GraphQL context, when the request got that far: it
   * counts backend calls. Only the recorder, not the context: the outcome lives as long as
   * fastify's request does, and the context holds every loader and everything they loaded.
   */
  fanout: FanoutRecorder | undefined;

  /** @returns how many backend calls the request made (0 when it never reached GraphQL). */
  get backendCalls(): number {
    return this.fanout?.count ?? 0;
  }
}

// Apollo's plugins see the context, fastify's hooks see the request: this joins the two
// without putting a mutable record on the read-only BffContext that resolvers get. The key is
// the context's CallScope (one per request), not the context itself: Apollo hands plugins a
// shallow copy of the context object it was given.
const byScope = new WeakMap<BffContext['scope'], RequestOutcome>();

/** Links a request's GraphQL context to its outcome (done once, where the context is built). */
export function bindOutcome(context: BffContext, outcome: RequestOutcome): void {
  outcome.fanout = context.scope.fanout;
  byScope.set(context.scope, outcome);
}

/** @returns the outcome of the request `context` was built for, if it was built by the server. */
export function outcomeOf(context: BffContext): RequestOutcome | undefined {
  return byScope.get(context.scope);
}
