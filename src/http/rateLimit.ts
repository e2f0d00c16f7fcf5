import { HeaderMap } from '@apollo/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { PolicyState, RateLimiter } from '../limits/createRateLimiter.js';
import { rateLimitHeaders } from '../limits/rateLimitHeaders.js';
import type { RequestState } from './requestState.js';
import { replyError } from './replyError.js';

/**
 * Rate limiting, in one place for all of its stages (the limiter itself — windows, usage plans,
 * the Redis store and the insurance limiter — is createRateLimiter):
 *
 * - `useRefusalLimit` (onRequest): an IP that caused too many refusals lately (bad tokens,
 *   operation-limit refusals) gets 429 before it is authenticated;
 * - `rateLimit` (the GraphQL route's preHandler, after `authenticate`): one point against the
 *   caller's limit (API key plan, user or IP) before the operation is parsed;
 * - `admitOperation` (the operation's check, both paths): the rest of the operation's weight by
 *   its estimated cost, its own budget, and for a mutation the stricter mutation limit;
 * - `useRateLimitHeaders` (onSend): `RateLimit-Policy` / `RateLimit` on every counted response.
 *
 * A request over a limit is answered with 429 RATE_LIMITED, `retry-after` and
 * `extensions.retryAfterSeconds`.
 *
 * @returns the preHandler hook for the GraphQL route.
 */
export function rateLimit(limiter: RateLimiter) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const state = request.state;
    const { caller, policies, ...decision } = await limiter.admitRequest(state.viewer!, state.ip);
    state.caller = caller;
    state.rateLimits.push(decision);
    state.rateLimitPolicies = policies;
    if (decision.allowed) return undefined;
    return refuse(request, reply, decision.retryAfterSeconds, 'Too many requests');
  };
}

/**
 * The operation half, from the operation's check (src/operation) once its cost is estimated and
 * before execution, so a refused operation reaches no backend: its weight (estimated cost) and
 * its own budget, then, for a mutation, the caller's mutation limit.
 *
 * @throws BffError RATE_LIMITED with HTTP status 429 and `retry-after`.
 */
export async function admitOperation(
  limiter: RateLimiter,
  state: RequestState,
  cost: number,
  operationName: string | undefined,
  isMutation: boolean,
): Promise<void> {
  // Not counted at the edge (rate limits off for this request): nothing to weigh.
  if (state.caller === undefined || state.viewer === undefined) return;
  const weighed = await limiter.admitCost(state.viewer, state.ip, cost, operationName);
  if (weighed) {
    const { caller: _caller, policies, ...recorded } = weighed;
    state.rateLimits.push(recorded);
    state.rateLimitPolicies = mergePolicies(state.rateLimitPolicies ?? [], policies);
    if (!weighed.allowed) {
      throw refusal(
        'This operation is over its rate limit',
        weighed.limit === 'operation' ? 'operation_limit' : 'cost_limit',
        weighed.retryAfterSeconds,
      );
    }
  }
  if (!isMutation) return;
  const decision = await limiter.admitMutation(state.caller);
  state.rateLimits.push(decision);
  if (!decision.allowed) throw refusal('Too many mutations', 'mutation_limit', decision.retryAfterSeconds);
}

/** The `RateLimit-Policy` / `RateLimit` headers (IETF httpapi draft) on every response counted by a limit. */
export function useRateLimitHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const policies = request.state?.rateLimitPolicies;
    if (policies?.length) void reply.headers(rateLimitHeaders(policies));
    done(null, payload);
  });
}

/**
 * Throttles credential stuffing and limit probing per IP: a refused authentication (401) or an
 * operation-limit refusal counts against the caller's IP (RATE_LIMIT_REFUSALS per window); once
 * that is spent, the IP's requests to `url` get 429 RATE_LIMITED before they are authenticated.
 */
export function useRefusalLimit(app: FastifyInstance, limiter: RateLimiter, url: string): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== url) return done();
    const seconds = limiter.refusingFor(request.ip);
    if (seconds === 0) return done();
    request.state.rateLimits.push({ limit: 'refusals', allowed: false, remaining: 0, retryAfterSeconds: seconds });
    refuse(request, reply, seconds, 'Too many refused requests from this address');
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (
      request.routeOptions.url === url &&
      (reply.statusCode === 401 || request.state.errorCodes.includes(ErrorCode.OPERATION_LIMIT_EXCEEDED))
    ) {
      void limiter.countRefusal(request.ip);
    }
    done();
  });
}

/** The later count of a limit replaces the earlier: the headers say what is left now. */
function mergePolicies(earlier: readonly PolicyState[], later: readonly PolicyState[]): PolicyState[] {
  const byName = new Map(earlier.map((p) => [p.policy, p]));
  for (const p of later) byName.set(p.policy, p);
  return [...byName.values()];
}

function refuse(request: FastifyRequest, reply: FastifyReply, seconds: number, what: string): FastifyReply {
  return replyError(
    reply,
    request,
    ErrorCode.RATE_LIMITED,
    `${what}; retry after ${seconds} s.`,
    { status: 429, headers: { 'retry-after': String(seconds) } },
    { retryAfterSeconds: seconds },
  );
}

function refusal(message: string, reason: string, seconds: number): BffError {
  return new BffError(ErrorCode.RATE_LIMITED, `${message}; retry after ${seconds} s.`, {
    reason,
    extensions: {
      retryAfterSeconds: seconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
    },
  });
}
