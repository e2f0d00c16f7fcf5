import { existsSync } from 'node:fs';
import type { PersistedQueryOptions } from '@apollo/server';
import type { BffConfig } from '../config/loadConfig.js';
import type { Logger } from '../observability/createLogger.js';
import type { RedisClient } from '../redis/createRedisClient.js';
import { createApqStore } from './createApqStore.js';
import { createPersistedQueryCache } from './createPersistedQueryCache.js';
import { loadManifest } from './loadManifest.js';

export interface PersistedQueries {
  /** Apollo's `persistedQueries` option. */
  options: PersistedQueryOptions;
  /** The client's safelisted operations by hash (empty without a manifest): the edge's safelist. */
  operations: ReadonlyMap<string, string>;
}

/**
 * Wires one BFF's persisted operations from its configuration: the client's manifest
 * (for the safelist, createOperationGate, and for hash-only requests), and automatic persisted queries registered in Redis
 * when the process has a Redis connection, in memory otherwise.
 *
 * @throws Error when the safelist is on (`log`, `enforce`) and the manifest is missing or bad.
 */
export function createPersistedQueries(config: BffConfig, deps: { redis: RedisClient | undefined; log: Logger }): PersistedQueries {
  const { safelist, apq, apqTtlSeconds } = config.persistedQueries;
  const { manifestFile } = config.persistedQueries;
  // Without a manifest a BFF with the safelist off still serves APQ; with the safelist on it must not start.
  const operations = safelist === 'off' && !existsSync(manifestFile) ? new Map<string, string>() : loadManifest(manifestFile);
  const store = apq ? createApqStore({ redis: deps.redis, prefix: `bff-${config.name}:apq:`, log: deps.log }) : undefined;
  return {
    options: { cache: createPersistedQueryCache({ operations, store }), ttl: apqTtlSeconds },
    operations,
  };
}
