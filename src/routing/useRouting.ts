import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { replyError } from '../http/replyError.js';
import type { Readiness } from '../server/createReadinessCheck.js';
import type { Router } from './createRouter.js';

/**
 * The edge half of routing: when a request's response is finished, its backend calls are fed
 * to the router (canary analysis, per-variant metrics).
 */
export function useRouting(app: FastifyInstance, router: Router): void {
  app.addHook('onResponse', (request, _reply, done) => {
    const { routing, fanout } = request.state;
    if (routing && fanout) router.observe(routing, fanout.calls);
    done();
  });
}

/**
 * The GraphQL route's `preHandler` that decides the request's routing once, after
 * authentication (segments read the viewer). A refused override header is answered with
 * 403 FORBIDDEN `variant_override_not_allowed` or 400 BAD_REQUEST `unknown_variant`.
 */
export function routeRequest(router: Router) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const decision = router.route({ viewer: request.state.viewer!, headers: request.headers });
    if ('assignments' in decision) {
      request.state.routing = decision;
      return undefined;
    }
    return replyError(reply, request, decision.code, decision.message, undefined, { reason: decision.reason });
  };
}

/** @returns readiness with the routing detail (`checks.routing`) beside the process's own checks; never 503 because of it. */
export function withRoutingReadiness(readiness: Readiness, router: Router | undefined): Readiness {
  if (!router) return readiness;
  return { ...readiness, checks: Object.assign({}, readiness.checks, { routing: router.readiness() }) };
}
