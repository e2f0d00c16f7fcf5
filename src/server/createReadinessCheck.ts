import { connect } from 'node:net';
import { probeIdentity } from '../auth/probeIdentity.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { Backends } from '../datasources/createBackends.js';
import type { RedisClient } from '../redis/createRedisClient.js';

export interface ReadinessCheckOptions {
  backends: Backends;
  /** Where the backends are, for a connect probe when a breaker is not closed. */
  targets: BffConfig['backends'];
  /** The key set to check; undefined when the server does not verify tokens itself. */
  auth: BffConfig['auth'] | undefined;
  redis: RedisClient | undefined;
  /** Checks that a backend accepts the BFF's signed identity (probeIdentity); undefined: not checked. */
  identity?: { client: string; secret: string };
  /** Per probe. Default 1000 ms. */
  timeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  /** What is wrong, or how it was found fine (`breaker closed`, `reachable`, `cached`). */
  detail: string;
}

export interface Readiness {
  ready: boolean;
  /** `shutting_down` once SIGTERM arrived: no probe is run then. */
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: {
    keys?: CheckResult;
    backends?: Record<string, CheckResult>;
    redis?: CheckResult;
    /** Whether the backends accept the BFF's signed identity (the same IDENTITY_HMAC_SECRET). */
    identity?: CheckResult;
  };
}

/** How long a successful key-set fetch counts before readiness fetches it again. */
const KEYS_RECHECK_MS = 30_000;

/**
 * What `/readyz` asks: are the token keys loaded, can the backends be used, is Redis there
 * when configured. A backend counts as usable while its breaker is closed; a breaker that is
 * open (or half open) is not the end, so the backend's port is then probed: a backend that
 * answers with errors but accepts connections leaves the BFF able to serve partial data.
 * Keys count as loaded once fetched, since the verifier keeps using cached keys when the
 * IdP is down.
 *
 * @returns a function that runs every check (concurrently, each bounded by the timeout).
 */
export function createReadinessCheck(options: ReadinessCheckOptions): (shuttingDown: boolean) => Promise<Readiness> {
  const { backends, targets, auth, redis } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  let keysFetchedAt: number | undefined;
  let identityAcceptedAt: number | undefined;

  // A rejected signature is not ready: every backend call would be refused. A backend that
  // cannot be asked is left to the backend checks above it.
  const checkIdentity = async (identity: { client: string; secret: string }): Promise<CheckResult> => {
    if (identityAcceptedAt !== undefined && Date.now() - identityAcceptedAt < KEYS_RECHECK_MS) return { ok: true, detail: 'accepted' };
    const probe = await probeIdentity({ usersUrl: targets.users.address, ...identity, timeoutMs });
    if (probe.verdict === 'accepted') identityAcceptedAt = Date.now();
    return { ok: probe.verdict !== 'rejected', detail: probe.detail };
  };

  const checkKeys = async (jwksUrl: string): Promise<CheckResult> => {
    if (keysFetchedAt !== undefined && Date.now() - keysFetchedAt < KEYS_RECHECK_MS) return { ok: true, detail: 'loaded' };
    try {
      const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json()) as { keys?: unknown };
      if (!res.ok || !Array.isArray(body.keys)) throw new Error(`answered ${res.status} without a key set`);
      keysFetchedAt = Date.now();
      return { ok: true, detail: 'loaded' };
    } catch (error) {
      if (keysFetchedAt !== undefined) return { ok: true, detail: `cached; key set unreachable: ${(error as Error).message}` };
      return { ok: false, detail: `key set never loaded: ${(error as Error).message}` };
    }
  };

  const checkBackend = async (name: string, state: string): Promise<CheckResult> => {
    if (state === 'closed') return { ok: true, detail: 'breaker closed' };
    const address = targets[name as keyof BffConfig['backends']]?.address;
    if (address === undefined) return { ok: false, detail: `breaker ${state}` };
    const reachable = await canConnect(address, timeoutMs);
    return reachable ? { ok: true, detail: `breaker ${state}; reachable` } : { ok: false, detail: `breaker ${state}; unreachable at ${address}` };
  };

  return async (shuttingDown) => {
    if (shuttingDown) return { ready: false, status: 'shutting_down', checks: {} };
    const [keys, backendResults, identity] = await Promise.all([
      // A key file is read and checked when the verifier is built: loaded, or no server.
      auth?.jwksUrl && !auth.jwksFile ? checkKeys(auth.jwksUrl) : undefined,
      Promise.all(backends.upstreams.map(async (u) => [u.name, await checkBackend(u.name, u.breakerState)] as const)),
      options.identity ? checkIdentity(options.identity) : undefined,
    ]);
    const checks: Readiness['checks'] = { backends: Object.fromEntries(backendResults) };
    if (keys) checks.keys = keys;
    if (identity) checks.identity = identity;
    if (redis) checks.redis = redis.isReady ? { ok: true, detail: 'connected' } : { ok: false, detail: 'not connected' };
    const ready = (keys?.ok ?? true) && backendResults.every(([, r]) => r.ok) && (checks.redis?.ok ?? true) && (identity?.ok ?? true);
    return { ready, status: ready ? 'ready' : 'not_ready', checks };
  };
}

/** Whether a TCP connection to a URL's or a `host:port`'s port opens within `timeoutMs`. */
function canConnect(address: string, timeoutMs: number): Promise<boolean> {
  const { hostname, port } = address.includes('://') ? new URL(address) : new URL(`tcp://${address}`);
  const defaultPort = address.startsWith('https:') ? 443 : 80;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort), timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
