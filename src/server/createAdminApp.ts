import type { FastifyInstance } from 'fastify';
import type { BffConfig } from '../config/loadConfig.js';
import { ErrorCode } from '../errors/codes.js';
import { createHttpApp } from '../http/createHttpApp.js';
import { useErrorReplies } from '../http/replyError.js';
import type { Logger } from '../observability/createLogger.js';
import type { Readiness } from './createReadinessCheck.js';
import { useHealthRoutes } from './useHealthRoutes.js';

export interface AdminAppOptions {
  config: BffConfig;
  log: Logger;
  /** The same check the public `/readyz` runs (it shows only the status). */
  readiness: () => Promise<Readiness>;
  /** The report of `/dependencies` (createDependencyReport; in cluster mode, every worker's). */
  dependencies: () => Promise<object>;
  /** The server's metrics (a prom-client Registry; in cluster mode, every worker's aggregated). */
  metrics: { readonly contentType: string; metrics(): Promise<string> };
}

/**
 * The admin (ops) listener of a BFF, on its own port (`BFF_ADMIN_HOST`:`BFF_ADMIN_PORT`), as
 * Apollo Router and Envoy keep theirs: `/healthz`, `/readyz` with its checks' detail,
 * `/dependencies` and `/metrics`. They name internal addresses, so they are for the cluster
 * network (kubelet probes, Prometheus), never the internet: the public port answers `/healthz`
 * and `/readyz` with the status only, and nothing else of these.
 *
 * None of the public edge runs here: no load shedding, rate limit, authentication, request
 * metrics or access line (a scrape during overload must still be answered, and must not count
 * as a client request). It accepts no WebSocket upgrade (subscriptions are on the public
 * `/graphql` only): an upgrade is answered 404 and the socket closed. Unknown routes get the
 * edge's JSON error body (replyError).
 *
 * @returns the app, with its routes, not yet listening.
 */
export function createAdminApp(options: AdminAppOptions): FastifyInstance {
  const { log, metrics } = options;
  const app = createHttpApp(options.config);
  useHealthRoutes(app, options.readiness, { detail: true });
  app.get('/dependencies', async (_request, reply) => reply.header('cache-control', 'no-store').send(await options.dependencies()));
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.metrics();
    return reply.header('content-type', metrics.contentType).send(body);
  });
  useErrorReplies(app, log);
  // Probes and scrapes come every few seconds from machines: debug, as on the public port.
  app.addHook('onResponse', (request, reply, done) => {
    if (log.isLevelEnabled('debug')) {
      log.debug(
        { admin: true, method: request.method, path: request.url.split('?')[0], status: reply.statusCode, durationMs: reply.elapsedTime },
        'admin request completed',
      );
    }
    done();
  });
  // Without an 'upgrade' listener Node would route the upgrade as a plain request (a GET /metrics
  // with `Upgrade: websocket` answered 200); refuse it outright instead.
  app.server.on('upgrade', (request, socket) => {
    const body = JSON.stringify({
      errors: [
        {
          message: 'The admin port accepts no WebSocket upgrades; subscriptions are served on the public port at /graphql.',
          extensions: { code: ErrorCode.NOT_FOUND },
        },
      ],
    });
    log.debug({ admin: true, path: request.url }, 'admin port refused a WebSocket upgrade');
    socket.end(
      `HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  return app;
}
