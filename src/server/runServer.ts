import { ConfigError } from '../config/loadConfig.js';
import type { BffServer } from './createServer.js';

/**
 * Runs one BFF as a process: builds it (a bad configuration exits 1 with the message that
 * names the variable), listens, and on SIGTERM/SIGINT closes it (in-flight requests finish)
 * and exits 0.
 */
export async function runServer(name: string, create: () => Promise<BffServer>): Promise<void> {
  let server: BffServer;
  try {
    server = await create();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bff-${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const url = await server.listen();
  server.log.info({ url }, `bff-${name} ready at ${url}`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, `bff-${name} shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
