import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { BffConfig } from '../config/loadConfig.js';
import type { Logger } from '../observability/createLogger.js';
import { createAdminApp } from './createAdminApp.js';
import type { Readiness } from './createReadinessCheck.js';
import type { BffServer } from './createServer.js';

/** What the primary asks a worker for over IPC, and what the worker answers. */
const ASK = 'bff:admin-ask';
const ANSWER = 'bff:admin-answer';
/** The admin routes a worker answers for the primary from its admin app (`/metrics` as prom-client's JSON). */
const FORWARDED: ReadonlySet<string> = new Set(['/readyz', '/dependencies']);
const METRICS = '/metrics';

interface Ask {
  type: typeof ASK;
  id: number;
  path: string;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  status: number;
  body: Record<string, unknown>;
}

/** One worker's answer to a forwarded admin route. */
export interface WorkerAnswer {
  pid: number | undefined;
  status: number;
  body: Record<string, unknown>;
}

export interface ClusterAdmin {
  /** `http://host:port` of the primary's admin listener. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The admin port of a cluster (BFF_WORKERS > 1), served by the primary, so that one scrape and
 * one probe see the whole pod rather than whichever worker the connection landed on:
 *
 * - `/metrics`: every worker's series (asked over the cluster's IPC channel), aggregated as
 *   prom-client's AggregatorRegistry does (counters and histograms summed; gauges summed too, so
 *   `bff_upstream_breaker_state{state="open"}` counts the workers whose breaker is open).
 * - `/readyz`: ready while at least one worker listens and every listening worker is ready
 *   (round-robin sends connections to all of them); 503 `shutting_down` from SIGTERM on. The
 *   body lists each worker's own readiness with its checks.
 * - `/dependencies`: each worker's report (breakers are per worker).
 * - `/healthz`: the primary is alive (it replaces dead workers itself).
 *
 * A worker that does not answer within `timeoutMs` counts as not ready.
 *
 * @returns the listening admin server; close it after the last worker exited.
 */
export async function serveClusterAdmin(options: {
  config: BffConfig;
  log: Logger;
  /** True once the primary is stopping (SIGTERM): readiness is false from then on. */
  stopping: () => boolean;
  timeoutMs?: number;
}): Promise<ClusterAdmin> {
  const { config, log, stopping } = options;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const listening = new Set<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker) => listening.delete(worker));
  let nextId = 0;

  const ask = (worker: Worker, path: string): Promise<WorkerAnswer> =>
    new Promise((resolve) => {
      const id = nextId++;
      const pid = worker.process.pid;
      const done = (answer: WorkerAnswer) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(answer);
      };
      const onMessage = (message: Answer) => {
        if (message?.type === ANSWER && message.id === id) done({ pid, status: message.status, body: message.body });
      };
      const onExit = () => done({ pid, status: 503, body: { status: 'exited' } });
      const timer = setTimeout(() => done({ pid, status: 504, body: { status: 'not_answering' } }), timeoutMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.send({ type: ASK, id, path } satisfies Ask);
    });
  const askAll = (path: string) => Promise.all([...listening].filter((w) => w.isConnected()).map((w) => ask(w, path)));
  // Every worker, listening or not yet; one that exits meanwhile just drops out. (prom-client's
  // own clusterMetrics waits 5 s and fails the whole scrape when a worker exits mid-request,
  // which a drain makes likely: only its aggregation is used.)
  const aggregate = async () => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
    const answers = await Promise.all(workers.map((w) => ask(w, METRICS)));
    const metrics = answers.flatMap((a) => (a.status === 200 && Array.isArray(a.body.metrics) ? [a.body.metrics as object[]] : []));
    return AggregatorRegistry.aggregate(metrics).metrics();
  };

  const app = createAdminApp({
    config,
    log,
    async readiness() {
      if (stopping()) return { ready: false, status: 'shutting_down', checks: {}, workers: [] } as Readiness;
      const answers = await askAll('/readyz');
      const ready = answers.length > 0 && answers.every((a) => a.status === 200);
      const workers = answers.map(({ pid, body }) => ({ pid, ...body }));
      return { ready, status: ready ? 'ready' : 'not_ready', checks: {}, workers } as Readiness;
    },
    async dependencies() {
      const answers = await askAll('/dependencies');
      return {
        ok: answers.length > 0 && answers.every((a) => a.body.ok === true),
        workers: answers.map(({ pid, body }) => ({ pid, ...body })),
      };
    },
    metrics: { contentType: Registry.PROMETHEUS_CONTENT_TYPE, metrics: aggregate },
  });
  const url = await app.listen({ host: config.admin.host, port: config.admin.port });
  return { url, close: () => app.close() };
}

/**
 * The worker's side of serveClusterAdmin, installed first thing in a worker: answers the
 * primary's forwarded `/readyz` and `/dependencies` from the server's admin app, and `/metrics`
 * with its registry as JSON, without a listener of its own (the primary holds the admin port).
 * Until `serve` is called a worker answers `starting` (not ready, no series).
 */
export function answerClusterAdmin(): { serve(server: Pick<BffServer, 'admin' | 'metrics'>): void } {
  let server: Pick<BffServer, 'admin' | 'metrics'> | undefined;
  process.on('message', (message: Ask) => {
    if (message?.type !== ASK) return;
    const reply = (status: number, body: Record<string, unknown>) =>
      process.send?.({ type: ANSWER, id: message.id, status, body } satisfies Answer);
    if (message.path !== METRICS && !FORWARDED.has(message.path)) return reply(404, { status: 'not_forwarded' });
    if (!server) return reply(503, { ready: false, status: 'starting' });
    const answer =
      message.path === METRICS
        ? server.metrics.getMetricsAsJSON().then((metrics) => ({ status: 200, body: { metrics } }))
        : server.admin.inject({ method: 'GET', url: message.path }).then((res) => ({ status: res.statusCode, body: res.json() }));
    answer.then(
      ({ status, body }) => reply(status, body),
      (error: unknown) => reply(500, { status: 'error', detail: (error as Error).message }),
    );
  });
  return {
    serve(started) {
      server = started;
    },
  };
}
