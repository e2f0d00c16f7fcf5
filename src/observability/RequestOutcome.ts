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
 * shedding, rate limiting, the operation's steps, error replies) and read once when the
 * response is finished, by the access log and the metrics. The outcome part of the request's
 * one record (RequestState, src/http/requestState.ts), made in the first `onRequest` hook, so
 * every request has one, including those rejected before GraphQL.
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
  /** Answered by the fast path (src/operation/fastPath.ts) rather than through Apollo Server. */
  fastPath = false;
  /** The key rate limits count this caller under (`user:u-1`, `ip:10.0.0.1`, …). */
  caller: string | undefined;
  /**
   * The fan-out recorder of the request's GraphQL context, when the request got that far: it
   * counts backend calls. Only the recorder, not the context: the record lives as long as
   * fastify's request does, and the context holds every loader and everything they loaded.
   */
  fanout: FanoutRecorder | undefined;

  /** @returns how many backend calls the request made (0 when it never reached GraphQL). */
  get backendCalls(): number {
    return this.fanout?.count ?? 0;
  }
}
