import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import type { MessageQueue, QueueMessage, Subscription } from './MessageQueue.js';

/**
 * The topics the BFFs and the demo backends share, and the bodies their messages carry.
 * Producers and consumers name topics only through these constants.
 */
export const Topics = {
  /** `return.requested` from the BFFs; the returns service consumes it (group `returns`). */
  returnRequests: 'returns.requested',
  /** `event.tracked` from the BFFs; the analytics service consumes it (group `analytics`). */
  analyticsEvents: 'analytics.events',
  /** `order.placed` / `order.status_changed` from the orders service; every BFF replica follows it. */
  orderEvents: 'orders.events',
} as const;

/** The consumer groups of the work-queue topics. */
export const Groups = { returns: 'returns', analytics: 'analytics' } as const;

export interface ReturnRequestBody {
  ticketId: string;
  orderId: string;
  userId: string;
  reason: string | null;
}

export interface TrackedEventBody {
  name: string;
  properties: Record<string, string>;
  userId: string | null;
  client: string;
  /** When the client says it happened (epoch ms), or when the BFF received it. */
  occurredAtMs: number;
}

export type OrderEventKind = 'ORDER_PLACED' | 'ORDER_STATUS_CHANGED';

/** A message of `orders.events`: the order as the orders service has it now (the gRPC Order). */
export interface OrderEventBody {
  kind: OrderEventKind;
  order: OrderDto;
  /** For ORDER_STATUS_CHANGED: the status before. */
  previousStatus?: OrderDto['status'];
}

/** An order event as a BFF hands it on: the body plus the broker's id and time. */
export interface OrderEvent extends OrderEventBody {
  /** The broker's id: increasing, so a client can tell order and spot a gap. */
  id: string;
  publishedAt: number;
}

/**
 * @returns the order event a message holds, or undefined when its body is not one (a message
 * from a newer producer, or garbage): the feed skips it rather than fail every subscriber.
 */
export function toOrderEvent(message: QueueMessage): OrderEvent | undefined {
  const body = message.body as Partial<OrderEventBody> | null;
  if (typeof body !== 'object' || body === null) return undefined;
  if (body.kind !== 'ORDER_PLACED' && body.kind !== 'ORDER_STATUS_CHANGED') return undefined;
  const order = body.order as Partial<OrderDto> | undefined;
  if (typeof order?.id !== 'string' || typeof order.userId !== 'string' || typeof order.status !== 'string' || !Array.isArray(order.items))
    return undefined;
  return {
    id: message.id,
    publishedAt: message.publishedAt,
    kind: body.kind,
    order: order as OrderDto,
    ...(body.previousStatus && { previousStatus: body.previousStatus }),
  };
}

/**
 * The order-event source of one BFF replica: every order event published after the call, in
 * order, to `handler` (malformed messages skipped). Each replica subscribes on its own, so
 * every replica sees every event (fan-out, not a consumer group).
 */
export function subscribeOrderEvents(
  queue: MessageQueue,
  handler: (event: OrderEvent) => void | Promise<void>,
  onError?: (error: unknown) => void,
): Subscription {
  return queue.subscribe(
    Topics.orderEvents,
    (message) => {
      const event = toOrderEvent(message);
      if (event) return handler(event);
    },
    { onError },
  );
}
