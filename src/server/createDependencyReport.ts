import { connect } from 'node:net';
import type { BffConfig } from '../config/loadConfig.js';
import type { Backends } from '../datasources/createBackends.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import type { RedisClient } from '../redis/createRedisClient.js';
import type { CheckResult } from './createReadinessCheck.js';

export interface DependencyReportOptions {
  backends: Backends;
  /** Where the backends are, for a connect probe when a breaker is not closed. */
  targets: BffConfig['backends'];
  redis: RedisClient | undefined;
  /** The message broker of queued writes; with it down only those writes fail (UPSTREAM_UNAVAILABLE). */
  queue?: MessageQueue;
  /** Per probe. Default 1000 ms. */
  timeoutMs?: number;
}

export interface DependencyReport {
  /** Every dependency usable. Informational: it never gates readiness. */
  ok: boolean;
  backends: Record<string, CheckResult>;
  redis?: CheckResult;
  broker?: CheckResult;
}

/**
 * How the BFF's dependencies look from this process, for `GET /dependencies` (and for
 * operators; the same facts are in `/metrics` as `bff_upstream_breaker_state` and
 * `bff_redis_connected`). A backend counts as usable while its breaker is closed; when it is
 * open (or half open) its port is probed: a backend that answers with errors but accepts
 * connections leaves the BFF able to serve partial data. Redis and the message broker are usable
 * when connected.
 *
 * It is a report, never a gate: see createReadinessCheck for why readiness does not ask it.
 *
 * @returns a function that runs every probe (concurrently, each bounded by the timeout).
 */
export function createDependencyReport(options: DependencyReportOptions): () => Promise<DependencyReport> {
  const { backends, targets, redis } = options;
  const timeoutMs = options.timeoutMs ?? 1000;

  const checkBackend = async (name: string, state: string): Promise<CheckResult> => {
    if (state === 'closed') return { ok: true, detail: 'breaker closed' };
    const address = targets[name as keyof BffConfig['backends']]?.address;
    if (address === undefined) return { ok: false, detail: `breaker ${state}` };
    const reachable = await canConnect(address, timeoutMs);
    return reachable
      ? { ok: true, detail: `breaker ${state}; reachable` }
      : { ok: false, detail: `breaker ${state}; unreachable at ${address}` };
  };

  return async () => {
    const results = await Promise.all(backends.upstreams.map(async (u) => [u.name, await checkBackend(u.name, u.breakerState)] as const));
    const report: DependencyReport = { ok: results.every(([, r]) => r.ok), backends: Object.fromEntries(results) };
    if (redis) {
      report.redis = redis.isReady ? { ok: true, detail: 'connected' } : { ok: false, detail: 'not connected' };
      report.ok &&= report.redis.ok;
    }
    if (options.queue) {
      const { kind, connected } = options.queue;
      report.broker = connected
        ? { ok: true, detail: `${kind}: connected` }
        : { ok: false, detail: `${kind}: unreachable; queued writes answer UPSTREAM_UNAVAILABLE` };
      report.ok &&= report.broker.ok;
    }
    return report;
  };
}

/**
 * Whether a TCP connection to a URL's or a `host:port`'s port opens within `timeoutMs`; for a
 * gRPC target naming several endpoints (`dns:///host:port`, `ipv4:a:port,b:port`), the first.
 */
function canConnect(address: string, timeoutMs: number): Promise<boolean> {
  const grpcEndpoint = /^(?:dns:(?:\/\/[^/]*\/)?|ipv4:)([^,]+)/.exec(address)?.[1];
  const { hostname, port } = grpcEndpoint
    ? new URL(`tcp://${grpcEndpoint}`)
    : address.includes('://')
      ? new URL(address)
      : new URL(`tcp://${address}`);
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
