import cluster from 'node:cluster';
import type { Logger } from '../observability/createLogger.js';

export interface ClusterOptions {
  /** For the log: `bff-mobile`. */
  name: string;
  workers: number;
  log: Logger;
  /** Crashes within `crashWindowMs` after which the primary gives up (exit 1). Default 5. */
  maxCrashes?: number;
  /** Default 10 000 ms. */
  crashWindowMs?: number;
  /**
   * Starts the cluster's admin port (serveClusterAdmin) before the workers are forked; it is
   * told when the cluster is stopping, and closed after the last worker exited.
   */
  admin?: (stopping: () => boolean) => Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Makes this process the primary of `workers` worker processes that each run the same entry
 * point and share its port (node:cluster hands connections round-robin). With `admin`, the
 * primary holds the admin port itself, answering for all workers (clusterAdmin.ts). A worker that dies
 * is replaced, unless workers keep dying (a crash loop is a broken deployment: the primary
 * exits 1 and lets the orchestrator report it). SIGTERM and SIGINT are forwarded as SIGTERM,
 * each worker shuts down gracefully, and the primary exits when the last one has, with 0 if
 * all exited 0.
 *
 * The primary serves no client itself; it only forks and watches (and answers probes and
 * scrapes), so it never holds a request.
 */
export async function runCluster(options: ClusterOptions): Promise<void> {
  const { name, workers, log } = options;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 10_000;
  let stopping = false;
  let failed = false;
  let crashes: number[] = [];
  const admin = await options.admin?.(() => stopping);
  if (admin) log.info({ event: 'bff.admin', adminUrl: admin.url }, `${name} admin (probes, metrics of every worker) at ${admin.url}`);
  // The admin port closes last: until then probes see `shutting_down` and scrapes the drain.
  const exit = (code: number) => {
    void (admin?.close() ?? Promise.resolve()).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info({ failed }, `${name} cluster stopped`);
        exit(failed ? 1 : 0);
      }
      return;
    }
    const now = Date.now();
    crashes = [...crashes.filter((t) => now - t < crashWindowMs), now];
    log.error({ pid: worker.process.pid, code, signal, crashes: crashes.length }, `${name} worker died`);
    if (crashes.length >= maxCrashes) {
      log.fatal({ maxCrashes, crashWindowMs }, `${name} workers keep dying; stopping`);
      failed = true;
      stop('crash loop');
      return;
    }
    cluster.fork();
  });

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, `${name} cluster shutting down`);
    const alive = Object.values(cluster.workers ?? {});
    if (alive.length === 0) exit(failed ? 1 : 0);
    for (const worker of alive) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Reload (the routing rules, src/routing) in every worker; without a listener SIGHUP would end the primary.
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });

  log.info({ workers, pid: process.pid }, `${name} cluster primary starting ${workers} workers`);
  for (let i = 0; i < workers; i++) cluster.fork();
}
