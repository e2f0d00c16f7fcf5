import type { RedisClient } from '../../src/redis/connectRedis.js';

/**
 * Where a queue consumer remembers what it has done, keyed by the message's idempotency key.
 * `putIfAbsent` is the consumer's whole effect AND its de-duplication record in one atomic step
 * (a Redis `HSETNX`, or a Map in one process): a redelivered message finds its key taken and is
 * acknowledged without doing anything twice, even when the consumer that first did it died
 * before it could acknowledge.
 */
export interface DedupStore {
  /** @returns true when `key` was new (and is now stored with `value`), false when it was there. */
  putIfAbsent(namespace: string, key: string, value: string): Promise<boolean>;
  get(namespace: string, key: string): Promise<string | undefined>;
  size(namespace: string): Promise<number>;
  close(): Promise<void>;
}

/** A store in this process's memory: gone on restart (the embedded default). */
export function createMemoryDedupStore(): DedupStore {
  const spaces = new Map<string, Map<string, string>>();
  const space = (name: string) => {
    let map = spaces.get(name);
    if (!map) spaces.set(name, (map = new Map()));
    return map;
  };
  return {
    async putIfAbsent(namespace, key, value) {
      const map = space(namespace);
      if (map.has(key)) return false;
      map.set(key, value);
      return true;
    },
    async get(namespace, key) {
      return space(namespace).get(key);
    },
    async size(namespace) {
      return space(namespace).size;
    },
    async close() {},
  };
}

/** A store in Redis (one hash per namespace), shared by every consumer process of a group. */
export async function createRedisDedupStore(url: string, onError: (error: unknown) => void): Promise<DedupStore> {
  const { connectRedis } = await import('../../src/redis/connectRedis.js');
  const client: RedisClient = connectRedis(url, 2_000);
  client.on('error', onError);
  await client.connect();
  return {
    async putIfAbsent(namespace, key, value) {
      return (await client.hSetNX(namespace, key, value)) === 1;
    },
    async get(namespace, key) {
      return (await client.hGet(namespace, key)) ?? undefined;
    },
    async size(namespace) {
      return client.hLen(namespace);
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
