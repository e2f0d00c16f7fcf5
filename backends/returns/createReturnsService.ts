import type { MessageQueue, QueueMessage, Subscription } from '../../src/messaging/MessageQueue.js';
import { Groups, Topics, type ReturnRequestBody } from '../../src/messaging/topics.js';
import type { DedupStore } from '../common/createDedupStore.js';
import { verifyIdentity } from '../identity/verifyIdentity.js';

/** The hash the tickets live in (the store's namespace). */
export const TICKETS = 'returns:tickets';

export interface ReturnTicket {
  ticketId: string;
  orderId: string;
  userId: string;
  /** OPEN: accepted for handling; REJECTED: the order is unknown or not the requester's. */
  status: 'OPEN' | 'REJECTED';
  reason: string | null;
  /** Which consumer created it (tests check that exactly one did). */
  processedBy: string;
  traceparent: string | null;
  createdAtMs: number;
}

export interface ReturnsStats {
  /** Messages handed to this consumer, redeliveries included. */
  deliveries: number;
  /** Tickets this consumer created. */
  processed: number;
  /** Messages whose key already had a ticket: acknowledged, nothing done. */
  duplicates: number;
  /** Messages without a valid signed identity: acknowledged and dropped. */
  refused: number;
}

export interface ReturnsServiceOptions {
  queue: MessageQueue;
  store: DedupStore;
  identitySecret: string;
  /** This consumer's name in the `returns` group. */
  consumer: string;
  /** A message another consumer took and never acknowledged is taken over after this long. Default 30000 ms. */
  claimIdleMs?: number;
  /** Who owns an order, when this process can tell (the demo orders service); undefined: every request is accepted. */
  orderOwner?: (orderId: string) => string | undefined;
  /** One line per message handled. */
  log?: (event: Record<string, unknown>) => void;
  /** A fault for tests: runs after the ticket is stored and before the message is acknowledged. */
  afterStore?: (message: QueueMessage<ReturnRequestBody>) => void;
}

export interface ReturnsService {
  readonly ready: Promise<void>;
  stats(): ReturnsStats;
  close(): Promise<void>;
}

/**
 * The demo returns service: consumes `returns.requested` in consumer group `returns`, at least
 * once. Each message is checked (the signed identity, verified as of when the broker stored the
 * message, so a redelivery hours later still verifies; the requester must be the user named in
 * the body), then the ticket is created with the message's idempotency key — creating it is the
 * de-duplication, so a redelivered or re-sent request never makes a second ticket.
 */
export function createReturnsService(options: ReturnsServiceOptions): ReturnsService {
  const stats: ReturnsStats = { deliveries: 0, processed: 0, duplicates: 0, refused: 0 };
  const log = options.log ?? (() => {});
  const handle = async (message: QueueMessage<ReturnRequestBody>) => {
    stats.deliveries++;
    const base = { key: message.key, id: message.id, deliveries: message.deliveries, consumer: options.consumer };
    const verified = verifyIdentity(options.identitySecret, message.headers, message.publishedAt, {
      backend: 'queue',
      call: `PUBLISH ${message.topic}`,
    });
    const body = message.body;
    if (!verified.ok || !verified.identity?.userId || verified.identity.userId !== body?.userId || typeof body.ticketId !== 'string') {
      stats.refused++;
      log({ event: 'returns.refused', ...base, reason: verified.ok ? 'identity does not match the request' : verified.reason });
      return;
    }
    const owner = options.orderOwner?.(body.orderId);
    const rejected = options.orderOwner !== undefined && owner !== body.userId;
    const ticket: ReturnTicket = {
      ticketId: body.ticketId,
      orderId: body.orderId,
      userId: body.userId,
      status: rejected ? 'REJECTED' : 'OPEN',
      reason: body.reason,
      processedBy: options.consumer,
      traceparent: message.headers.traceparent ?? null,
      createdAtMs: Date.now(),
    };
    if (!(await options.store.putIfAbsent(TICKETS, message.key, JSON.stringify(ticket)))) {
      stats.duplicates++;
      log({ event: 'returns.duplicate', ...base, ticketId: body.ticketId });
      return;
    }
    stats.processed++;
    log({ event: 'returns.processed', ...base, ticketId: body.ticketId, status: ticket.status });
    options.afterStore?.(message);
  };
  const subscription: Subscription = options.queue.consume<ReturnRequestBody>(Topics.returnRequests, Groups.returns, handle, {
    consumer: options.consumer,
    claimIdleMs: options.claimIdleMs,
    onError: (error, message) => log({ event: 'returns.error', id: message?.id, error: String(error) }),
  });
  return {
    ready: subscription.ready,
    stats: () => ({ ...stats }),
    close: () => subscription.close(),
  };
}
