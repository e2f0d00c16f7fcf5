import { createClient } from 'redis';

/**
 * node-redis's client with our options. In a module of its own so that `createRedisClient`
 * can import it (and the `redis` package, ~18 MB of memory with its modules) only when
 * REDIS_URL is set.
 */
export function connectRedis(url: string, connectTimeoutMs: number) {
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

export type RedisClient = ReturnType<typeof connectRedis>;
