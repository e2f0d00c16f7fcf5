import type { BffConfig } from '../config/loadConfig.js';

export interface ReadinessCheckOptions {
  /** The key set to check; undefined when the server does not verify tokens itself. */
  auth: BffConfig['auth'] | undefined;
  /** Per probe. Default 1000 ms. */
  timeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  /** What is wrong, or how it was found fine (`loaded`, `cached`, `breaker closed`, `reachable`). */
  detail: string;
}

export interface Readiness {
  ready: boolean;
  /** `shutting_down` once SIGTERM arrived: no probe is run then. */
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: {
    keys?: CheckResult;
  };
}

/** How long a successful key-set fetch counts before readiness fetches it again. */
const KEYS_RECHECK_MS = 30_000;

/**
 * What `/readyz` asks: can THIS process serve? It answers at all only once it is started,
 * with its configuration, schema and executor loaded; beyond that, the token key set must be
 * loaded (or cached) and the process must not be draining.
 *
 * Backends and Redis are deliberately not asked (createDependencyReport reports them). Every
 * replica shares them, so a readiness that followed them would take every replica out of
 * rotation at once when one backend failed: a partial outage, which the BFF answers with
 * partial data, would become a total one. Keys count as loaded once fetched, since the
 * verifier keeps using cached keys when the IdP is down. (docs/operations.md, Health.)
 *
 * @returns a function that runs the checks (the key-set fetch bounded by the timeout).
 */
export function createReadinessCheck(options: ReadinessCheckOptions): (shuttingDown: boolean) => Promise<Readiness> {
  const { auth } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  let keysFetchedAt: number | undefined;

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

  return async (shuttingDown) => {
    if (shuttingDown) return { ready: false, status: 'shutting_down', checks: {} };
    // A key file is read and checked when the verifier is built: loaded, or no server.
    const keys = auth?.jwksUrl && !auth.jwksFile ? await checkKeys(auth.jwksUrl) : undefined;
    const checks: Readiness['checks'] = {};
    if (keys) checks.keys = keys;
    const ready = keys?.ok ?? true;
    return { ready, status: ready ? 'ready' : 'not_ready', checks };
  };
}
