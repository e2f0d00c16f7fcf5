import type { FastifyInstance } from 'fastify';
import type { Viewer } from '../auth/Viewer.js';
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
  app.addHook('onResponse', async (request, reply) => {
    if (options.unmetered.has(request.routeOptions.url ?? '')) return;
    metrics.observeRequest({
      client: (request.viewer as Viewer | undefined)?.client ?? 'unknown',
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
      outcome: request.outcome,
    });
  });
  return metrics;
}
