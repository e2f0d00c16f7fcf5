import { callSigner, identityHeaders } from '../auth/signIdentity.js';
import type { OrderStatusEventDto, OrdersClient } from '../datasources/grpc/OrdersClient.js';
import { ErrorCode } from '../errors/codes.js';
import { createSharedStreams, type SharedStreams } from './createSharedStreams.js';

export interface OrderStatusSourceOptions {
  orders: OrdersClient;
  /** Signs the follower's identity on every (re)connect, so a reconnect never sends a stale signature. */
  identitySecret: string | undefined;
  /** Reconnects before followers get UPSTREAM_UNAVAILABLE; default 5. */
  retries?: number;
  /** First reconnect backoff (doubling, capped at 5 s); default 100 ms. */
  backoffMs?: number;
}

/**
 * The status changes of one order (topic: the order id), bridged from the orders service's
 * `WatchOrderStatus` server stream. Followers share one stream per order and user: the
 * service decides who may follow an order from the identity that opens the stream, so a
 * stream is never shared across identities (for a customer's own order, every device of that
 * customer shares one). A late joiner first gets the latest status.
 */
export function createOrderStatusSource(options: OrderStatusSourceOptions): SharedStreams<OrderStatusEventDto> {
  const { orders, identitySecret } = options;
  return createSharedStreams<OrderStatusEventDto>({
    retries: options.retries,
    backoffMs: options.backoffMs,
    retryable: (error) => error.code === ErrorCode.UPSTREAM_UNAVAILABLE || error.code === ErrorCode.UPSTREAM_TIMEOUT,
    open: (orderId, follower, sink) => {
      // Signed when the stream (re)opens: each reconnect gets a fresh signature.
      const identity = identityHeaders(follower.viewer, follower.requestId);
      const sign = callSigner(identitySecret, identity);
      return orders.watchOrderStatus((backend, call) => ({ ...identity, ...sign?.(backend, call) }), orderId, sink);
    },
  });
}
