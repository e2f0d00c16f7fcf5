import cluster from 'node:cluster';
import type { BffProfile } from '../config/BffProfile.js';
import { ConfigError, loadConfig, type BffConfig } from '../config/loadConfig.js';
import { createLogger } from '../observability/createLogger.js';
import { stopTracing } from '../observability/tracing/stopTracing.js';
import type { BffServer } from './createServer.js';
import { explorerNote } from './explorer/explorerNote.js';
import { runCluster } from './runCluster.js';
import { answerClusterAdmin, serveClusterAdmin } from './clusterAdmin.js';
import { probeIdentity } from '../auth/probeIdentity.js';
import { applyV8Settings } from './v8Settings.js';
import { releaseYoungGeneration } from './startupHeap.js';

/**
 * Runs one BFF as a process. Reads the configuration first: a bad value exits 1 with a
 * message on stderr that names the variable. Then applies its V8 settings (v8Settings.ts).
 * With `BFF_WORKERS` > 1 this process becomes the primary of a cluster whose workers each run
 * a server; otherwise it builds the server, listens (the public port and the admin one), and
 * logs `{ "event": "bff.ready", "url": …, "adminUrl": … }`.
 *
 * When the entry point held V8's young generation at its start size (startupHeap.ts), it is
 * released once the server listens.
 *
 * On SIGTERM or SIGINT: readiness turns false (on both ports), new connections to the public
 * port are refused, in-flight requests finish, backend channels and Redis close, the admin
 * port closes, buffered spans are exported, exit 0.
 * Requests still running after `SHUTDOWN_TIMEOUT_MS` are cut off, and the exit code is 1.
 */
export async function runServer(profile: BffProfile, create: (config: BffConfig) => Promise<BffServer>): Promise<void> {
  const { name } = profile;
  let config: BffConfig;
  try {
    config = loadConfig(profile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`bff-${name}: ${error.message}\n`);
    process.exit(1);
  }
  applyV8Settings(config);
  if (config.workers > 1 && cluster.isPrimary) {
    releaseYoungGeneration(); // the primary serves nothing: its start-up is over
    const log = createLogger(config);
    // The primary holds the admin port and answers for every worker (clusterAdmin.ts).
    await runCluster({
      name: `bff-${name}`,
      workers: config.workers,
      log,
      admin: (stopping) => serveClusterAdmin({ config, log, stopping }),
    });
    return;
  }

  // A cluster worker answers the primary's admin questions; it opens no admin port itself.
  const clusterAdmin = cluster.isWorker ? answerClusterAdmin() : undefined;
  const server = await create(config);
  const url = await server.listen({ admin: !clusterAdmin });
  clusterAdmin?.serve(server);
  // Start-up is over: the young generation may grow under load again (startupHeap.ts).
  releaseYoungGeneration();
  const adminUrl = server.adminUrl;
  server.log.info(
    { event: 'bff.ready', url, adminUrl, pid: process.pid },
    `bff-${name} ready at ${url} (${explorerNote(config)}); admin (probes, metrics) at ${adminUrl ?? "the cluster primary's"}`,
  );
  // A secret that differs from the backends' makes every field FORBIDDEN while the process looks
  // healthy: say so at start, loudly (and /readyz says not ready). Not fatal: the backends may
  // be restarting with the new secret, and readiness keeps traffic away meanwhile.
  const users = config.backends.users;
  if (users) {
    void probeIdentity({ usersUrl: users.address, client: config.name, secret: config.identitySecret, timeoutMs: 2_000 }).then((probe) => {
      if (probe.verdict === 'rejected') server.log.error({ event: 'bff.identity_rejected' }, `bff-${name}: ${probe.detail}`);
      else if (probe.verdict === 'unknown')
        server.log.warn({ event: 'bff.identity_unchecked' }, `bff-${name}: identity not checked yet: ${probe.detail}`);
    });
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, `bff-${name} shutting down`);
    let cutOff = false;
    const deadline = setTimeout(() => {
      cutOff = true;
      server.log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; closing the connections still open');
      server.app.server.closeAllConnections();
      server.admin.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    server
      .close()
      .then(() => stopTracing())
      .then(
        () => {
          clearTimeout(deadline);
          server.log.info({ cutOff }, `bff-${name} stopped`);
          process.exit(cutOff ? 1 : 0);
        },
        (error: unknown) => {
          server.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
