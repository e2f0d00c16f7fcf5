import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import { subscribeOrderEvents } from '../messaging/topics.js';
import { createSharedStreams, type SharedStreams } from './createSharedStreams.js';

/** The only topic of the order-events feed (the subscription's name for `orders.events`). */
export const ORDER_EVENTS_TOPIC = 'orders';

/**
 * The order-events feed of subscriptions, fed by the message queue: while anyone in this
 * process follows it, one fan-out subscription to `orders.events` (every replica holds its
 * own, so every replica sees every event the orders service publishes) hands each order on, in
 * the broker's order. The last follower to leave closes it.
 *
 * The queue's reader reconnects by itself and resumes after the last id it saw, so the feed
 * does not end on a broker outage: followers get the events published once it is back (with
 * Redis Streams, those published meanwhile too; the embedded broker keeps the last 10,000).
 */
export function createQueuedOrderEvents(queue: MessageQueue, onError?: (error: unknown) => void): SharedStreams<OrderDto> {
  return createSharedStreams<OrderDto>({
    keyOf: (topic) => topic,
    replayLatest: false,
    retryable: () => false,
    open: (topic, _follower, sink) => {
      if (topic !== ORDER_EVENTS_TOPIC) {
        sink.error(BffError.request(ErrorCode.NOT_FOUND, `No event topic ${topic}.`, { reason: 'unknown_topic' }));
        return () => undefined;
      }
      const subscription = subscribeOrderEvents(queue, (event) => sink.next(event.order), onError);
      void subscription.ready.then(() => sink.open());
      return () => void subscription.close();
    },
  });
}
