import type { FastifyInstance } from 'fastify';
import type { Readiness } from './createReadinessCheck.js';

/**
 * `/healthz`: the process is alive and its event loop turns (nothing else is asked, so a
 * backend outage never makes an orchestrator restart healthy replicas).
 * `/readyz`: whether this replica should get traffic, 200 or 503, with a JSON body that says
 * which check failed.
 */
export function useHealthRoutes(app: FastifyInstance, readiness: () => Promise<Readiness>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await readiness();
    return reply.code(result.ready ? 200 : 503).header('cache-control', 'no-store').send(result);
  });
}
