import type { FastifyInstance } from 'fastify';
import { createMetrics, type Metrics, type MetricsOptions } from './createMetrics.js';

/**
 * Serves `/metrics` (Prometheus text format) and counts every finished request in an
 * `onResponse` hook, so requests rejected before GraphQL count too. Requests to the
 * `unmetered` routes (probes, the scrape itself) are left out: they say nothing about clients.
 *
 * @returns the server's metrics.
 */
export function useMetrics(app: FastifyInstance, options: MetricsOptions & { unmetered: ReadonlySet<string> }): Metrics {
  const metrics = createMetrics(options);
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });
  // A callback hook, not an async one: fastify then needs no promise and microtask for it.
  // A throw still reaches fastify (its hook runner catches it), as a rejection did.
  app.addHook('onResponse', (request, reply, done) => {
    if (!options.unmetered.has(request.routeOptions.url ?? '')) {
      metrics.observeRequest({
        client: request.state.viewer?.client ?? 'unknown',
        status: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
        outcome: request.state,
      });
    }
    done();
  });
  return metrics;
}
