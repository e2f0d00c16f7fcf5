import { createServer, type Server } from 'node:http';
import { HttpError, readJsonBody, restErrorBody, sendJson } from '../common/serveMonitored.js';
import { parseFaultSpec, SERVICE_NAMES, type FaultSpec, type ServiceMonitor, type ServiceName } from '../common/ServiceMonitor.js';

export type Monitors = Record<ServiceName, ServiceMonitor>;

/**
 * Returns the checked faults of a POST /faults body or BACKEND_FAULTS, per service.
 * Throws a TypeError naming the bad service or value.
 */
export function parseFaults(value: unknown): Partial<Record<ServiceName, FaultSpec>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`faults must be an object keyed by service (${SERVICE_NAMES.join(', ')})`);
  }
  const faults: Partial<Record<ServiceName, FaultSpec>> = {};
  for (const [service, spec] of Object.entries(value)) {
    if (!(SERVICE_NAMES as readonly string[]).includes(service)) {
      throw new TypeError(`faults: unknown service "${service}", expected one of ${SERVICE_NAMES.join(', ')}`);
    }
    faults[service as ServiceName] = parseFaultSpec(service, spec);
  }
  return faults;
}

/**
 * Returns the admin server (not yet listening): GET /stats, POST /reset, GET|POST /faults,
 * GET /healthz. It is a separate port so the BFF can never reach it by accident.
 */
export function createAdminServer(monitors: Monitors, extras: { consumers?: () => unknown; advanceOrders?: () => number } = {}): Server {
  const stats = () => JSON.stringify(Object.fromEntries(SERVICE_NAMES.map((s) => [s, monitors[s].snapshot()])));
  const faults = () => JSON.stringify(Object.fromEntries(SERVICE_NAMES.map((s) => [s, monitors[s].getFaults()])));

  async function route(method: string | undefined, path: string | undefined, body: () => Promise<unknown>): Promise<string> {
    if (method === 'GET' && path === '/stats') return stats();
    if (method === 'POST' && path === '/reset') {
      for (const s of SERVICE_NAMES) monitors[s].reset();
      return stats();
    }
    if (method === 'GET' && path === '/faults') return faults();
    if (method === 'POST' && path === '/faults') {
      let parsed: Partial<Record<ServiceName, FaultSpec>>;
      try {
        parsed = parseFaults(await body());
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'BAD_REQUEST', (err as Error).message);
      }
      for (const [service, spec] of Object.entries(parsed)) monitors[service as ServiceName].setFaults(spec);
      return faults();
    }
    if (path === '/healthz') return '{"status":"ok"}';
    // The queue consumers' counts (deliveries, processed, duplicates, refused).
    if (method === 'GET' && path === '/consumers' && extras.consumers) return JSON.stringify(extras.consumers());
    // Fulfilment on demand: orders placed since start move one status on (order events).
    if (method === 'POST' && path === '/orders/advance' && extras.advanceOrders) return JSON.stringify({ moved: extras.advanceOrders() });
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  return createServer((req, res) => {
    route(req.method, (req.url ?? '/').split('?', 1)[0], () => readJsonBody(req)).then(
      (json) => sendJson(res, 200, json, { 'cache-control': 'no-store' }),
      (err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', String(err));
        sendJson(res, e.status, restErrorBody(e.code, e.message, e.field));
      },
    );
  });
}
