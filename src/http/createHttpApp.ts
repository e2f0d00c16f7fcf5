import Fastify, { type FastifyInstance } from 'fastify';
import type { BffConfig } from '../config/loadConfig.js';
import { requestIdOf } from './requestState.js';

/**
 * fastify with the HTTP limits of `config.http`: body size, and a deadline each for the
 * headers, the whole request and silence. Node checks the first two only every
 * connectionsCheckingInterval (30 s by default), which would let a client trickling one
 * header byte at a time hold a socket that long; here it is 1 s.
 *
 * GraphQL over HTTP takes application/json only: a text/plain body would be a "simple"
 * cross-site request, and anything else is a 415, answered as JSON by replyError.
 *
 * @returns the app, with no hook or route yet.
 */
export function createHttpApp(config: BffConfig): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: config.http.bodyLimitBytes,
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    requestTimeout: config.http.receiveTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // Hops of proxies whose X-Forwarded-For is believed: `request.ip` keys anonymous rate limits.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    genReqId: requestIdOf,
  });
  app.removeContentTypeParser('text/plain');
  return app;
}
