import type { FastifyInstance } from 'fastify';
import { createMetrics, type Metrics, type MetricsOptions } from './createMetrics.js';

/**
 * Counts every finished request of `app` in an `onResponse` hook, so requests rejected before
 * GraphQL count too. Requests to the `unmetered` routes (the public probes) are left out: they
 * say nothing about clients. The registry is served by the admin port (createAdminApp), not
 * by `app`.
 *
 * @returns the server's metrics.
 */
export function useMetrics(app: FastifyInstance, options: MetricsOptions & { unmetered: ReadonlySet<string> }): Metrics {
  const metrics = createMetrics(options);
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
