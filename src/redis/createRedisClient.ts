import { createClient } from 'redis';

function connectClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Keep trying in the background after start-up; readiness reports the outage meanwhile.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    },
    // Commands fail fast while disconnected instead of queueing without bound.
    disableOfflineQueue: true,
  });
}
import type { Logger } from '../observability/createLogger.js';

export type RedisClient = ReturnType<typeof connectClient>;

/**
 * The process's one Redis connection (node-redis), for state shared across replicas:
 * rate-limit counters and the automatic-persisted-query cache. Only made when REDIS_URL is
 * set; without it those features keep their state in memory, per process.
 *
 * Connects before resolving, so a wrong URL fails at start-up, not at the first request.
 * @returns a connected client; `quit()` it on shutdown.
 * @throws the connection error when Redis cannot be reached within `connectTimeoutMs`.
 */
export async function createRedisClient(url: string, log: Logger, connectTimeoutMs = 5_000): Promise<RedisClient> {
  const client = connectClient(url, connectTimeoutMs);
  client.on('error', (error: Error) => log.warn({ err: error }, 'redis error'));
  await client.connect();
  return client;
}
