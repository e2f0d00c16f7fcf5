import { parseFaults } from './admin/createAdminServer.js';
import { DEFAULT_BACKEND_PORTS, EPHEMERAL_BACKEND_PORTS, type BackendPorts, type StartBackendsOptions } from './startBackends.js';

/** Each server's port variable: its name in upper snake case, `_PORT` (`SHIPPING_PORT`, `CATALOG_V2_PORT`). */
export const PORT_VARS = Object.fromEntries(
  Object.keys(DEFAULT_BACKEND_PORTS).map((name) => [name, `${name.replace(/([a-z])([A-Z0-9])/g, '$1_$2').toUpperCase()}_PORT`]),
) as Record<keyof BackendPorts, string>;

/** A non-negative integer setting, or `fallback`; throws naming the variable. */
function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${name} must be an integer 0..${max}, got ${JSON.stringify(text)}`);
  return value;
}

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
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`${name} must be a port 0..65535, got ${JSON.stringify(text)}`);
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
  if (!(latency >= 0 && latency <= 60_000))
    throw new Error(`BACKEND_LATENCY_MS must be 0..60000, got ${JSON.stringify(env.BACKEND_LATENCY_MS)}`);
  // BROKER_URL as the BFFs read it: redis:// is the shared broker; anything else (unset, or the
  // embedded broker's own http:// address) means this process hosts the embedded one.
  const brokerUrl = env.BROKER_URL && /^rediss?:\/\//.test(env.BROKER_URL) ? env.BROKER_URL : undefined;
  if (env.BROKER_URL && !brokerUrl && !/^(https?:\/\/|memory:)/.test(env.BROKER_URL)) {
    throw new Error(`BROKER_URL must be redis://…, http://… or memory:, got ${JSON.stringify(env.BROKER_URL)}`);
  }
  const consumers = env.BACKENDS_CONSUMERS ?? 'true';
  if (!['true', 'false', '1', '0'].includes(consumers))
    throw new Error(`BACKENDS_CONSUMERS must be true or false, got ${JSON.stringify(consumers)}`);
  const accessTtl = env.IDP_ACCESS_TOKEN_TTL_S ? Number(env.IDP_ACCESS_TOKEN_TTL_S) : undefined;
  if (accessTtl !== undefined && !(Number.isInteger(accessTtl) && accessTtl >= 1 && accessTtl <= 86_400)) {
    throw new Error(`IDP_ACCESS_TOKEN_TTL_S must be an integer 1..86400, got ${JSON.stringify(env.IDP_ACCESS_TOKEN_TTL_S)}`);
  }
  const watch = env.ORDERS_WATCH_INTERVAL_MS ? Number(env.ORDERS_WATCH_INTERVAL_MS) : undefined;
  if (watch !== undefined && !(Number.isInteger(watch) && watch >= 1 && watch <= 3_600_000)) {
    throw new Error(`ORDERS_WATCH_INTERVAL_MS must be 1..3600000, got ${JSON.stringify(env.ORDERS_WATCH_INTERVAL_MS)}`);
  }
  return {
    brokerUrl,
    consumers: consumers === 'true' || consumers === '1',
    claimIdleMs: intSetting(env, 'QUEUE_CLAIM_IDLE_MS', 30_000, 3_600_000),
    fulfilmentIntervalMs: intSetting(env, 'ORDERS_FULFILMENT_MS', 0, 3_600_000),
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
    idpAccessTokenTtlSeconds: accessTtl,
  };
}
