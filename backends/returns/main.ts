/**
 * The returns service as a worker process of its own (`tsx backends/returns/main.ts`): one
 * more consumer in the `returns` group of a Redis broker, as a second replica of the service
 * would be. The backends process runs the same consumer in-process by default.
 *
 * Environment:
 *   BROKER_URL (required)         redis://… — the broker the BFFs publish to
 *   IDENTITY_HMAC_SECRET          as the BFFs sign with [dev-identity-secret-change-me]
 *   RETURNS_CONSUMER              this consumer's name in the group [returns-<pid>-<random>]
 *   QUEUE_CLAIM_IDLE_MS [30000]   take over another consumer's unacknowledged message after this
 *   RETURNS_CRASH_AFTER_STORE=1   a fault for tests: exit(70) after storing a ticket, before the ack
 *
 * Stdout: one JSON line per event: {"event":"returns.ready","consumer"}, then
 * returns.processed / returns.duplicate / returns.refused / returns.error lines.
 */
import { consumerName } from '../../src/messaging/MemoryQueue.js';
import { RedisStreamsQueue } from '../../src/messaging/RedisStreamsQueue.js';
import { createRedisDedupStore } from '../common/createDedupStore.js';
import { DEFAULT_IDENTITY_SECRET } from '../startBackends.js';
import { createReturnsService } from './createReturnsService.js';

const url = process.env.BROKER_URL;
if (!url || !/^rediss?:\/\//.test(url)) {
  process.stderr.write(`[returns] BROKER_URL must be redis://…, got ${JSON.stringify(url)}\n`);
  process.exit(1);
}
const claimIdleMs = Number(process.env.QUEUE_CLAIM_IDLE_MS ?? 30_000);
if (!Number.isInteger(claimIdleMs) || claimIdleMs < 0) {
  process.stderr.write(
    `[returns] QUEUE_CLAIM_IDLE_MS must be a non-negative integer, got ${JSON.stringify(process.env.QUEUE_CLAIM_IDLE_MS)}\n`,
  );
  process.exit(1);
}
const line = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const onError = (error: unknown) => process.stderr.write(`[returns] broker: ${String(error)}\n`);
const consumer = process.env.RETURNS_CONSUMER || consumerName('returns');
const queue = await RedisStreamsQueue.create({ url, onError });
const store = await createRedisDedupStore(url, onError);
const service = createReturnsService({
  queue,
  store,
  identitySecret: process.env.IDENTITY_HMAC_SECRET || DEFAULT_IDENTITY_SECRET,
  consumer,
  claimIdleMs,
  log: line,
  ...(process.env.RETURNS_CRASH_AFTER_STORE === '1' && {
    afterStore: () => {
      line({ event: 'returns.crash', consumer });
      process.exit(70);
    },
  }),
});
await service.ready;
line({ event: 'returns.ready', consumer });
const stop = () =>
  void service
    .close()
    .then(() => Promise.all([queue.close(), store.close()]))
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
