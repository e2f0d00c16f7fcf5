import { probeIdentity } from '../auth/probeIdentity.js';
import type { BffConfig } from '../config/loadConfig.js';

export interface ReadinessCheckOptions {
  /** The key set to check; undefined when the server does not verify tokens itself. */
  auth: BffConfig['auth'] | undefined;
  /**
   * Checks that the backends accept this process's signed identity (probeIdentity against the
   * users backend); undefined: not checked.
   */
  identity?: { usersUrl: string; client: string; secret: string };
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
    /** Whether the backends accept the BFF's signed identity (the same IDENTITY_HMAC_SECRET). */
    identity?: CheckResult;
  };
}

/** How long a successful key-set fetch (or identity probe) counts before readiness asks again. */
const KEYS_RECHECK_MS = 30_000;

/**
 * What `/readyz` asks: can THIS process serve? It answers at all only once it is started,
 * with its configuration, schema and executor loaded; beyond that, the token key set must be
 * loaded (or cached), its identity secret must not be refused by the backends, and the process
 * must not be draining.
 *
 * Backends and Redis are deliberately not asked (createDependencyReport reports them). Every
 * replica shares them, so a readiness that followed them would take every replica out of
 * rotation at once when one backend failed: a partial outage, which the BFF answers with
 * partial data, would become a total one. Keys count as loaded once fetched, since the
 * verifier keeps using cached keys when the IdP is down. The identity check fails only on a
 * definite refusal of the signature (this process's secret is wrong: it cannot serve any
 * field); a backend that cannot be reached leaves it passing. (docs/operations.md, Health.)
 *
 * @returns a function that runs the checks (each probe bounded by the timeout).
 */
export function createReadinessCheck(options: ReadinessCheckOptions): (shuttingDown: boolean) => Promise<Readiness> {
  const { auth } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  let keysFetchedAt: number | undefined;
  let identityAcceptedAt: number | undefined;

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

  const checkIdentity = async (identity: NonNullable<ReadinessCheckOptions['identity']>): Promise<CheckResult> => {
    if (identityAcceptedAt !== undefined && Date.now() - identityAcceptedAt < KEYS_RECHECK_MS) return { ok: true, detail: 'accepted' };
    const probe = await probeIdentity({ ...identity, timeoutMs });
    if (probe.verdict === 'accepted') identityAcceptedAt = Date.now();
    return { ok: probe.verdict !== 'rejected', detail: probe.detail };
  };

  return async (shuttingDown) => {
    if (shuttingDown) return { ready: false, status: 'shutting_down', checks: {} };
    const [keys, identity] = await Promise.all([
      // A key file is read and checked when the verifier is built: loaded, or no server.
      auth?.jwksUrl && !auth.jwksFile ? checkKeys(auth.jwksUrl) : undefined,
      options.identity ? checkIdentity(options.identity) : undefined,
    ]);
    const checks: Readiness['checks'] = {};
    if (keys) checks.keys = keys;
    if (identity) checks.identity = identity;
    const ready = (keys?.ok ?? true) && (identity?.ok ?? true);
    return { ready, status: ready ? 'ready' : 'not_ready', checks };
  };
}
