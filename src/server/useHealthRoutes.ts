import type { FastifyInstance } from 'fastify';
import type { Readiness } from './createReadinessCheck.js';

/**
 * `/healthz`: the process is alive and its event loop turns (nothing else is asked, so a
 * backend outage never makes an orchestrator restart healthy replicas).
 * `/readyz`: whether this process can serve, 200 or 503. With `detail` (the admin port) the
 * body says which check failed and how (it may name internal addresses); without it (the
 * public port) only `{"status": …}`. Backends and Redis never make it 503 (see
 * createReadinessCheck).
 */
export function useHealthRoutes(app: FastifyInstance, readiness: () => Promise<Readiness>, options: { detail: boolean }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await readiness();
    return reply
      .code(result.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(options.detail ? result : { status: result.status });
  });
}
