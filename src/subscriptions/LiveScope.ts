import type { BffContext } from '../context/BffContext.js';
import type { OrderDto, OrderStatusEventDto } from '../datasources/grpc/OrdersClient.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { EventSource, Follower, LiveStream } from './EventSource.js';

/**
 * The event sources of a process, one per kind of event: `orderStatus` bridges the orders
 * service's gRPC stream (createOrderStatusSource), `orderEvents` reads the message queue's
 * `orders.events` topic (createQueuedOrderEvents).
 */
export interface LiveSources {
  /** Topic: an order id. Status changes of that order (WatchOrderStatus). */
  readonly orderStatus: EventSource<OrderStatusEventDto>;
  /** Topic: `orders`. New and changed orders across all users. */
  readonly orderEvents: EventSource<OrderDto>;
}

/** What a subscription's context has beyond a request's: the sources and who follows. */
export interface LiveScope {
  readonly sources: LiveSources;
  readonly follower: Follower;
}

/**
 * Subscribes the context's follower to `topic` of the source `pick` chooses and waits until
 * the source has accepted it, so a refusal (FORBIDDEN, NOT_FOUND) answers the subscribe itself.
 *
 * @returns the stream, for a Subscription field's `subscribe`.
 * @throws BffError the source's refusal; INTERNAL_SERVER_ERROR when called outside a subscription.
 */
export async function follow<E>(ctx: BffContext, pick: (sources: LiveSources) => EventSource<E>, topic: string): Promise<LiveStream<E>> {
  if (!ctx.live) throw new BffError(ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.', { reason: 'no_live_scope' });
  const stream = pick(ctx.live.sources).subscribe(topic, ctx.live.follower);
  try {
    await stream.ready;
  } catch (error) {
    await stream.return?.();
    throw error;
  }
  return stream;
}
