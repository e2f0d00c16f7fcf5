import { parseFaults } from './admin/createAdminServer.js';
import { DEFAULT_BACKEND_PORTS, EPHEMERAL_BACKEND_PORTS, type BackendPorts, type StartBackendsOptions } from './startBackends.js';

const PORT_VARS: Record<keyof BackendPorts, string> = {
  admin: 'ADMIN_PORT', users: 'USERS_PORT', catalog: 'CATALOG_PORT', orders: 'ORDERS_PORT',
  inventory: 'INVENTORY_PORT', reviews: 'REVIEWS_PORT', idp: 'IDP_PORT',
};

/**
 * Returns startBackends options from the environment (see README of backends in main.ts).
 * Throws an Error naming the variable and its bad value, so a typo stops the start.
 */
export function loadBackendsOptions(env: NodeJS.ProcessEnv): StartBackendsOptions {
  const ports: BackendPorts = { ...DEFAULT_BACKEND_PORTS };
  if (env.BACKENDS_PORTS === 'ephemeral') {
    Object.assign(ports, EPHEMERAL_BACKEND_PORTS);
  } else if (env.BACKENDS_PORTS) {
    throw new Error(`BACKENDS_PORTS must be "ephemeral" or unset, got ${JSON.stringify(env.BACKENDS_PORTS)}`);
  } else {
    for (const [service, name] of Object.entries(PORT_VARS) as Array<[keyof BackendPorts, string]>) {
      const text = env[name];
      if (text === undefined || text === '') continue;
      const port = Number(text);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port 0..65535, got ${JSON.stringify(text)}`);
      ports[service] = port;
    }
  }
  let faults: StartBackendsOptions['faults'];
  if (env.BACKEND_FAULTS) {
    try {
      faults = parseFaults(JSON.parse(env.BACKEND_FAULTS));
    } catch (err) {
      throw new Error(`BACKEND_FAULTS is not valid: ${(err as Error).message}`);
    }
  }
  const latency = env.BACKEND_LATENCY_MS ? Number(env.BACKEND_LATENCY_MS) : 0;
  if (!(latency >= 0 && latency <= 60_000)) throw new Error(`BACKEND_LATENCY_MS must be 0..60000, got ${JSON.stringify(env.BACKEND_LATENCY_MS)}`);
  const watch = env.ORDERS_WATCH_INTERVAL_MS ? Number(env.ORDERS_WATCH_INTERVAL_MS) : undefined;
  if (watch !== undefined && !(Number.isInteger(watch) && watch >= 1 && watch <= 3_600_000)) {
    throw new Error(`ORDERS_WATCH_INTERVAL_MS must be 1..3600000, got ${JSON.stringify(env.ORDERS_WATCH_INTERVAL_MS)}`);
  }
  return {
    ...(watch !== undefined && { watchIntervalMs: watch }),
    watchRepeat: env.ORDERS_WATCH_REPEAT === '1' || env.ORDERS_WATCH_REPEAT === 'true',
    host: env.BACKENDS_HOST || '127.0.0.1',
    ports,
    identitySecret: env.IDENTITY_HMAC_SECRET || undefined,
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
    ephemeralKeys: env.IDP_EPHEMERAL_KEYS === '1' || env.IDP_EPHEMERAL_KEYS === 'true',
    faults,
    baseLatencyMs: latency,
  };
}
