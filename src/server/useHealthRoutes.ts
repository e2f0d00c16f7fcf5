import type { FastifyInstance } from 'fastify';
import type { DependencyReport } from './createDependencyReport.js';
import type { Readiness } from './createReadinessCheck.js';

/**
 * `/healthz`: the process is alive and its event loop turns (nothing else is asked, so a
 * backend outage never makes an orchestrator restart healthy replicas).
 * `/readyz`: whether this process can serve, 200 or 503, with a JSON body that says which
 * check failed. Backends and Redis never make it 503 (see createReadinessCheck).
 * `/dependencies`: always 200, how the backends and Redis look from here (a report).
 */
export function useHealthRoutes(
  app: FastifyInstance,
  readiness: () => Promise<Readiness>,
  dependencies: () => Promise<DependencyReport>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await readiness();
    return reply
      .code(result.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(result);
  });
  app.get('/dependencies', async (_request, reply) => reply.header('cache-control', 'no-store').send(await dependencies()));
}
