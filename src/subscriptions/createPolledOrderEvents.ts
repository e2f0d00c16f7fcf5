import { callSigner, identityHeaders } from '../auth/signIdentity.js';
import { FanoutRecorder } from '../context/FanoutRecorder.js';
import { CallScope } from '../datasources/CallScope.js';
import type { OrderDto, OrdersClient } from '../datasources/grpc/OrdersClient.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { createSharedStreams, type SharedStreams } from './createSharedStreams.js';

export interface PolledOrderEventsOptions {
  orders: OrdersClient;
  identitySecret: string | undefined;
  /** Pause between two polls of ListRecentOrders while anyone follows; default 500 ms. */
  intervalMs?: number;
  /** Orders read per poll (the newest); default 100, the service's maximum page. */
  pageSize?: number;
  /** Deadline of each poll; default 2000 ms. */
  timeoutMs?: number;
}

/** The only topic of the order-events feed. */
export const ORDER_EVENTS_TOPIC = 'orders';

/**
 * The in-process stand-in for the message queue's order-events topic: while anyone follows
 * the feed, one poller per process reads the newest orders (`ListRecentOrders`) and emits
 * each order that is new or whose `updatedAtMs` moved since the previous poll, oldest first.
 * The first poll only sets the baseline.
 *
 * What it does not guarantee (the broker-fed source does): an order changed twice between
 * two polls is seen once; changes beyond the newest `pageSize` orders are missed; after an
 * upstream failure the baseline is taken again, so changes during the outage are not replayed;
 * each replica polls on its own.
 */
export function createPolledOrderEvents(options: PolledOrderEventsOptions): SharedStreams<OrderDto> {
  const { orders, identitySecret } = options;
  const intervalMs = options.intervalMs ?? 500;
  const pageSize = options.pageSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 2000;
  return createSharedStreams<OrderDto>({
    keyOf: (topic) => topic,
    replayLatest: false,
    retryable: (error) => error.code === ErrorCode.UPSTREAM_UNAVAILABLE || error.code === ErrorCode.UPSTREAM_TIMEOUT,
    open: (topic, follower, sink) => {
      if (topic !== ORDER_EVENTS_TOPIC) {
        sink.error(BffError.request(ErrorCode.NOT_FOUND, `No event topic ${topic}.`, { reason: 'unknown_topic' }));
        return () => undefined;
      }
      const controller = new AbortController();
      let seen: Map<string, number> | undefined;
      let timer: NodeJS.Timeout | undefined;
      const poll = async () => {
        const now = Date.now();
        const requestId = `${follower.requestId}:poll:${now}`;
        const identity = identityHeaders(follower.viewer, requestId);
        const scope = new CallScope(requestId, identity, now + timeoutMs, controller.signal, new FanoutRecorder(), {}, callSigner(identitySecret, identity));
        try {
          const page = await orders.listRecentOrders(scope, { pageSize });
          if (controller.signal.aborted) return;
          const previous = seen;
          seen = new Map(page.orders.map((order) => [order.id, order.updatedAtMs]));
          if (!previous) sink.open();
          if (previous) {
            for (let i = page.orders.length - 1; i >= 0; i--) {
              const order = page.orders[i]!;
              if (previous.get(order.id) !== order.updatedAtMs) sink.next(order);
            }
          }
          timer = setTimeout(() => void poll(), intervalMs);
        } catch (error) {
          if (controller.signal.aborted) return;
          sink.error(error instanceof BffError ? error : BffError.request(ErrorCode.UPSTREAM_UNAVAILABLE, 'orders is unavailable.', { cause: error }));
        }
      };
      void poll();
      return () => {
        controller.abort();
        clearTimeout(timer);
      };
    },
  });
}
