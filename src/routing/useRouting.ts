import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../server/sendError.js';
import type { Readiness } from '../server/createReadinessCheck.js';
import type { RouteDecision, Router } from './createRouter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's variants and backend instances (src/routing), once it is authenticated. */
    routing: RouteDecision | undefined;
  }
}

/**
 * The edge half of routing: a `routing` slot on each request, and, when its response is
 * finished, its backend calls fed to the router (canary analysis, per-variant metrics).
 */
export function useRouting(app: FastifyInstance, router: Router): void {
  app.decorateRequest('routing', undefined);
  app.addHook('onResponse', (request, _reply, done) => {
    const calls = request.outcome?.fanout?.calls;
    if (request.routing && calls) router.observe(request.routing, calls);
    done();
  });
}

/**
 * Decides the request's routing once, after authentication (segments read the viewer).
 * @returns true when the request goes on; false when it was answered with the override
 * header's refusal (403 FORBIDDEN `variant_override_not_allowed`, 400 BAD_REQUEST `unknown_variant`).
 */
export function admitRoute(router: Router, request: FastifyRequest, reply: FastifyReply): boolean {
  const decision = router.route({ viewer: request.viewer, headers: request.headers });
  if ('assignments' in decision) {
    request.routing = decision;
    return true;
  }
  sendError(reply, request, decision.code, decision.message, undefined, { reason: decision.reason });
  return false;
}

/** @returns readiness with the routing detail (`checks.routing`) beside the process's own checks; never 503 because of it. */
export function withRoutingReadiness(readiness: Readiness, router: Router | undefined): Readiness {
  if (!router) return readiness;
  return { ...readiness, checks: Object.assign({}, readiness.checks, { routing: router.readiness() }) };
}
