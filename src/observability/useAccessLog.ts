import type { FastifyInstance } from 'fastify';
import type { Logger } from './createLogger.js';

/**
 * Writes one access line per request when its response is finished: the request id, the
 * client, the operation and its document hash, status, duration, backend calls, error codes,
 * and the shedding and rate-limit decisions. `onResponse` runs for every request, also for
 * those answered before GraphQL (401, 413, 429, 503), so none is missing from the log.
 *
 * The lines are at `info` (probes and scrapes, the `quiet` routes, at `debug`): `LOG_LEVEL=warn`
 * turns them off without touching the rest.
 */
export function useAccessLog(app: FastifyInstance, log: Logger, options: { quiet: ReadonlySet<string> }): void {
  app.addHook('onResponse', async (request, reply) => {
    // Below info nothing is written (debug is enabled only when info is): skip building
    // `routeOptions`, a fresh object per read, on every request at `LOG_LEVEL=warn`.
    if (!log.isLevelEnabled('info')) return;
    const route = request.routeOptions.url;
    // Probes and scrapes come every few seconds from machines: they are logged at debug.
    const level = options.quiet.has(route ?? '') ? 'debug' : 'info';
    if (!log.isLevelEnabled(level)) return;
    const outcome = request.state;
    // Unset when authentication refused the request (or it never got that far).
    const viewer = outcome.viewer;
    log[level](
      {
        requestId: request.id,
        method: request.method,
        path: route ?? request.url.split('?')[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        client: viewer?.client,
        viewer: viewer?.kind,
        operation: outcome.operationName,
        operationType: outcome.operationType,
        documentHash: outcome.documentHash,
        backendCalls: outcome.backendCalls,
        ...(outcome.fastPath && { fastPath: true }),
        ...(outcome.errorCodes.length > 0 && { errorCodes: outcome.errorCodes }),
        ...(outcome.rateLimits.length > 0 && { rateLimit: outcome.rateLimits }),
        ...(outcome.shed !== undefined && { shed: outcome.shed }),
        // Experiment → variant (src/routing): which instance and which shaping served the request.
        ...(request.state.routing && { routing: request.state.routing.assignments }),
      },
      'request completed',
    );
  });
}
