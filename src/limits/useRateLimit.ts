import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BffContext } from '../context/BffContext.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { outcomeOf } from '../observability/RequestOutcome.js';
import { sendError } from '../server/sendError.js';
import type { RateLimiter } from './createRateLimiter.js';

/**
 * The edge half of rate limiting: counts the request against its caller's limit once the
 * viewer is known, before the body is parsed as GraphQL and before any backend call.
 *
 * @returns true when the request may go on; false when it was answered with 429
 * RATE_LIMITED, a `retry-after` header and `extensions.retryAfterSeconds`.
 */
export async function admitRequest(limiter: RateLimiter, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const { caller, ...decision } = await limiter.admitRequest(request.viewer, request.ip);
  request.outcome.caller = caller;
  request.outcome.rateLimits.push(decision);
  if (decision.allowed) return true;
  const seconds = decision.retryAfterSeconds;
  sendError(
    reply,
    request,
    ErrorCode.RATE_LIMITED,
    `Too many requests; retry after ${seconds} s.`,
    { status: 429, headers: { 'retry-after': String(seconds) } },
    { retryAfterSeconds: seconds },
  );
  return false;
}

/**
 * The operation half: a mutation also counts against the stricter mutation limit of its
 * caller. Runs once the operation is resolved, which is before execution, so a rejected
 * mutation reaches no backend.
 *
 * @throws (from the hook) BffError RATE_LIMITED with HTTP status 429 and `retry-after`.
 */
export function useMutationRateLimit(limiter: RateLimiter): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (operation?.operation !== 'mutation') return;
          const outcome = outcomeOf(contextValue);
          if (outcome?.caller === undefined) return;
          const decision = await limiter.admitMutation(outcome.caller);
          outcome.rateLimits.push(decision);
          if (decision.allowed) return;
          const seconds = decision.retryAfterSeconds;
          throw new BffError(ErrorCode.RATE_LIMITED, `Too many mutations; retry after ${seconds} s.`, {
            reason: 'mutation_limit',
            extensions: {
              retryAfterSeconds: seconds,
              http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
            },
          });
        },
      };
    },
  };
}
