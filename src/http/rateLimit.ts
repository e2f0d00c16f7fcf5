import { HeaderMap } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';
import type { RequestState } from './requestState.js';
import { replyError } from './replyError.js';

/**
 * Rate limiting, in one place for both of its halves (the limiter itself, its windows and its
 * Redis store, is createRateLimiter).
 *
 * The edge half: a `preHandler` hook that counts the request against its caller's limit once
 * the viewer is known (after `authenticate`), before the operation runs and before any backend
 * call. A request over the limit is answered with 429 RATE_LIMITED, a `retry-after` header and
 * `extensions.retryAfterSeconds`.
 *
 * @returns the hook for the GraphQL route.
 */
export function rateLimit(limiter: RateLimiter) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const state = request.state;
    const { caller, ...decision } = await limiter.admitRequest(state.viewer!, request.ip);
    state.caller = caller;
    state.rateLimits.push(decision);
    if (decision.allowed) return undefined;
    const seconds = decision.retryAfterSeconds;
    return replyError(
      reply,
      request,
      ErrorCode.RATE_LIMITED,
      `Too many requests; retry after ${seconds} s.`,
      { status: 429, headers: { 'retry-after': String(seconds) } },
      { retryAfterSeconds: seconds },
    );
  };
}

/**
 * The operation half: a mutation also counts against the stricter mutation limit of its
 * caller. The operation's check (src/operation/check.ts) calls it once the operation is
 * known and allowed, before execution, so a rejected mutation reaches no backend.
 *
 * @throws BffError RATE_LIMITED with HTTP status 429 and `retry-after`.
 */
export async function admitMutation(limiter: RateLimiter, state: RequestState): Promise<void> {
  if (state.caller === undefined) return;
  const decision = await limiter.admitMutation(state.caller);
  state.rateLimits.push(decision);
  if (decision.allowed) return;
  const seconds = decision.retryAfterSeconds;
  throw new BffError(ErrorCode.RATE_LIMITED, `Too many mutations; retry after ${seconds} s.`, {
    reason: 'mutation_limit',
    extensions: {
      retryAfterSeconds: seconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
    },
  });
}
