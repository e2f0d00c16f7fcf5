import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/Viewer.js';
import type { BffContext } from '../context/BffContext.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { outcomeOf, type RequestOutcome } from '../observability/RequestOutcome.js';
import { sendError } from '../server/sendError.js';
import { rateLimitHeaders, type CallerDecision, type PolicyState, type RateLimiter } from './createRateLimiter.js';
import { estimateCost } from './estimateCost.js';

/** What the later stages of a counted request need: who it was counted as, and the limits' state for the headers. */
interface Counted {
  viewer: Viewer;
  ip: string;
  policies: PolicyState[];
}
// Keyed by the outcome, which both fastify's request and Apollo's context reach.
const counted = new WeakMap<RequestOutcome, Counted>();

/**
 * The edge half of rate limiting: counts the request (one point) against its caller's limit once
 * the viewer is known, before the body is parsed as GraphQL and before any backend call, and
 * writes the `RateLimit-Policy` / `RateLimit` headers.
 *
 * @returns true when the request may go on; false when it was answered with 429
 * RATE_LIMITED, a `retry-after` header and `extensions.retryAfterSeconds`.
 */
export async function admitRequest(limiter: RateLimiter, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const { caller, policies, ...decision } = await limiter.admitRequest(request.viewer, request.ip);
  request.outcome.caller = caller;
  request.outcome.rateLimits.push(decision);
  counted.set(request.outcome, { viewer: request.viewer, ip: request.ip, policies });
  void reply.headers(rateLimitHeaders(policies));
  if (decision.allowed) return true;
  refuse(request, reply, decision.retryAfterSeconds, 'Too many requests');
  return false;
}

/**
 * The rest of the request's weight once its cost is known (the fast path's; Apollo's goes
 * through useOperationRateLimit): see RateLimiter.admitCost.
 *
 * @returns false when it was answered with 429 RATE_LIMITED.
 */
export async function admitCost(limiter: RateLimiter, request: FastifyRequest, reply: FastifyReply, cost: number, operationName: string | undefined): Promise<boolean> {
  const decision = await weigh(limiter, request.outcome, cost, operationName);
  if (!decision) return true;
  void reply.headers(rateLimitHeaders(counted.get(request.outcome)!.policies));
  if (decision.allowed) return true;
  refuse(request, reply, decision.retryAfterSeconds, 'This operation is over its rate limit');
  return false;
}

async function weigh(limiter: RateLimiter, outcome: RequestOutcome, cost: number, operationName: string | undefined): Promise<CallerDecision | undefined> {
  const state = counted.get(outcome);
  if (!state) return undefined;
  const decision = await limiter.admitCost(state.viewer, state.ip, cost, operationName);
  if (!decision) return undefined;
  const { caller: _caller, policies, ...recorded } = decision;
  outcome.rateLimits.push(recorded);
  // The later count of a limit replaces the earlier: the headers say what is left now.
  const byName = new Map(state.policies.map((p) => [p.policy, p]));
  for (const p of policies) byName.set(p.policy, p);
  state.policies = [...byName.values()];
  return decision;
}

function refuse(request: FastifyRequest, reply: FastifyReply, seconds: number, what: string): void {
  sendError(
    reply,
    request,
    ErrorCode.RATE_LIMITED,
    `${what}; retry after ${seconds} s.`,
    { status: 429, headers: { 'retry-after': String(seconds) } },
    { retryAfterSeconds: seconds },
  );
}

/**
 * The operation half, once Apollo resolved the operation (before execution, so a refused one
 * reaches no backend): the operation's weight by its estimated cost and its own budget, then,
 * for a mutation, the caller's (stricter) mutation limit.
 *
 * @throws (from the hook) BffError RATE_LIMITED with HTTP status 429 and `retry-after`.
 */
export function useOperationRateLimit(limiter: RateLimiter): ApolloServerPlugin<BffContext> {
  const refusal = (message: string, reason: string, seconds: number) =>
    new BffError(ErrorCode.RATE_LIMITED, `${message}; retry after ${seconds} s.`, {
      reason,
      extensions: {
        retryAfterSeconds: seconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
      },
    });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, schema, document, request, response }) {
          const outcome = outcomeOf(contextValue);
          if (!operation || outcome?.caller === undefined) return;
          const weighed = await weigh(limiter, outcome, estimateCost(schema, document, operation, request.variables), operation.name?.value);
          if (weighed) {
            for (const [name, value] of Object.entries(rateLimitHeaders(counted.get(outcome)!.policies))) response.http.headers.set(name, value);
            if (!weighed.allowed) throw refusal('This operation is over its rate limit', weighed.limit === 'operation' ? 'operation_limit' : 'cost_limit', weighed.retryAfterSeconds);
          }
          if (operation.operation !== 'mutation') return;
          const decision = await limiter.admitMutation(outcome.caller);
          outcome.rateLimits.push(decision);
          if (!decision.allowed) throw refusal('Too many mutations', 'mutation_limit', decision.retryAfterSeconds);
        },
      };
    },
  };
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
    request.outcome.rateLimits.push({ limit: 'refusals', allowed: false, remaining: 0, retryAfterSeconds: seconds });
    refuse(request, reply, seconds, 'Too many refused requests from this address');
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url === url && (reply.statusCode === 401 || request.outcome.errorCodes.includes(ErrorCode.OPERATION_LIMIT_EXCEEDED))) {
      void limiter.countRefusal(request.ip);
    }
    done();
  });
}
