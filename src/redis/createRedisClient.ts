import type { Logger } from '../observability/createLogger.js';
import type { RedisClient } from './connectRedis.js';

export type { RedisClient };

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
  const { connectRedis } = await import('./connectRedis.js');
  const client = connectRedis(url, connectTimeoutMs);
  client.on('error', (error: Error) => log.warn({ err: error }, 'redis error'));
  await client.connect();
  return client;
}
