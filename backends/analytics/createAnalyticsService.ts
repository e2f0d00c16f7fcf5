import type { MessageQueue, QueueMessage } from '../../src/messaging/MessageQueue.js';
import { Groups, Topics, type TrackedEventBody } from '../../src/messaging/topics.js';
import type { DedupStore } from '../common/createDedupStore.js';
import { verifyIdentity } from '../identity/verifyIdentity.js';

export interface AnalyticsStats {
  deliveries: number;
  /** Events counted, by name (each idempotency key once). */
  counted: Record<string, number>;
  duplicates: number;
  refused: number;
}

export interface AnalyticsService {
  readonly ready: Promise<void>;
  stats(): AnalyticsStats;
  close(): Promise<void>;
}

/**
 * The demo analytics service: consumes `analytics.events` in group `analytics`, at least once,
 * and counts each event once per idempotency key (anonymous events too: their identity is
 * signed all the same, for the client they came through).
 */
export function createAnalyticsService(options: {
  queue: MessageQueue;
  store: DedupStore;
  identitySecret: string;
  consumer: string;
  claimIdleMs?: number;
}): AnalyticsService {
  const stats: AnalyticsStats = { deliveries: 0, counted: {}, duplicates: 0, refused: 0 };
  const handle = async (message: QueueMessage<TrackedEventBody>) => {
    stats.deliveries++;
    const verified = verifyIdentity(options.identitySecret, message.headers, message.publishedAt, {
      backend: 'queue',
      call: `PUBLISH ${message.topic}`,
    });
    if (!verified.ok || verified.identity === null || typeof message.body?.name !== 'string') {
      stats.refused++;
      return;
    }
    if (!(await options.store.putIfAbsent('analytics:events', message.key, message.id))) {
      stats.duplicates++;
      return;
    }
    stats.counted[message.body.name] = (stats.counted[message.body.name] ?? 0) + 1;
  };
  const subscription = options.queue.consume<TrackedEventBody>(Topics.analyticsEvents, Groups.analytics, handle, {
    consumer: options.consumer,
    claimIdleMs: options.claimIdleMs,
  });
  return {
    ready: subscription.ready,
    stats: () => ({ ...stats, counted: { ...stats.counted } }),
    close: () => subscription.close(),
  };
}
