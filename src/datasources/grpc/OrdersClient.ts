import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import type { DataSource } from '../DataSource.js';
import type { LineItem__Output } from '../generated/grpc/shop/orders/v1/LineItem.js';
import type { ListOrdersResponse__Output } from '../generated/grpc/shop/orders/v1/ListOrdersResponse.js';
import type { ListRecentOrdersRequest } from '../generated/grpc/shop/orders/v1/ListRecentOrdersRequest.js';
import type { ListUserOrdersRequest } from '../generated/grpc/shop/orders/v1/ListUserOrdersRequest.js';
import type { Order__Output } from '../generated/grpc/shop/orders/v1/Order.js';
import type { OrdersServiceDefinition } from '../generated/grpc/shop/orders/v1/OrdersService.js';
import type { OrderStatus__Output } from '../generated/grpc/shop/orders/v1/OrderStatus.js';
import type { OrderStatusEvent__Output } from '../generated/grpc/shop/orders/v1/OrderStatusEvent.js';
import type { PlaceOrderRequest__Output } from '../generated/grpc/shop/orders/v1/PlaceOrderRequest.js';
import type { PlaceOrderResponse__Output } from '../generated/grpc/shop/orders/v1/PlaceOrderResponse.js';
import type { Upstream } from '../Upstream.js';
import { GrpcClient, type GrpcClientOptions, type StreamHeaders, type StreamSink } from './GrpcClient.js';

// The messages as this client receives them, generated from protos/orders/v1 (npm run codegen).
export type OrderStatusDto = OrderStatus__Output;
export type LineItemDto = LineItem__Output;
export type OrderDto = Order__Output;
export type OrderPageDto = ListOrdersResponse__Output;
export type OrderStatusEventDto = OrderStatusEvent__Output;
/** What placing an order needs: every field of the request (proto3 makes them optional on the wire). */
export type PlaceOrderInput = PlaceOrderRequest__Output;

type Outcome = 'placed' | 'outOfStock' | 'priceChanged';
/**
 * The `result` oneof of PlaceOrderResponse as a discriminated union: `result` names the case
 * and that case's message is present (checked by `placeOrder`).
 */
export type PlaceOrderResultDto = { [K in Outcome]: { result: K } & { [P in K]: NonNullable<PlaceOrderResponse__Output[P]> } }[Outcome];

/** The orders backend (gRPC `shop.orders.v1.OrdersService`). */
export class OrdersClient implements DataSource {
  static readonly maxBatchSize = 200;
  readonly upstream: Upstream;
  private readonly grpc: GrpcClient<OrdersServiceDefinition>;

  constructor(options: Omit<GrpcClientOptions, 'name'>) {
    this.grpc = new GrpcClient('orders/v1/orders.proto', 'shop.orders.v1.OrdersService', { ...options, name: 'orders' });
    this.upstream = this.grpc.upstream;
  }

  listUserOrders(scope: CallScope, input: ListUserOrdersRequest): Promise<OrderPageDto> {
    return this.grpc.unary(scope, 'ListUserOrders', input, 1, true, checkPage);
  }

  listRecentOrders(scope: CallScope, input: ListRecentOrdersRequest): Promise<OrderPageDto> {
    return this.grpc.unary(scope, 'ListRecentOrders', input, 1, true, checkPage);
  }

  /** @returns the orders found, in any order; unknown ids are left out. */
  batchGetOrders(scope: CallScope, ids: readonly string[]): Promise<OrderDto[]> {
    return this.grpc.unary(scope, 'BatchGetOrders', { ids: [...ids] }, ids.length, true, (res) =>
      checkBatch<OrderDto>('orders', res?.orders, ids, (order) => order.id),
    );
  }

  /**
   * Follows one order's status changes (`WatchOrderStatus`) until the order reaches a final
   * status or the returned function cancels the stream. `metadata` carries the follower's
   * signed identity: the service decides who may follow which order.
   *
   * @returns a function that cancels the stream.
   */
  watchOrderStatus(headersFor: StreamHeaders, orderId: string, sink: StreamSink<OrderStatusEventDto>): () => void {
    return this.grpc.serverStream('WatchOrderStatus', { orderId }, headersFor, sink);
  }

  /**
   * Sent at most once (the idempotency key lets the *client* retry safely).
   * @throws BffError OUTCOME_UNKNOWN when the order may or may not have been placed.
   */
  async placeOrder(scope: CallScope, input: PlaceOrderInput): Promise<PlaceOrderResultDto> {
    const response = await this.grpc.unary(scope, 'PlaceOrder', input, input.items.length, false);
    if (!response.result || !response[response.result]) throw badResponse('orders', 'empty_result');
    return response as PlaceOrderResultDto;
  }

  close(): Promise<void> {
    return this.grpc.close();
  }
}

/** A page of orders must hold a list (checked inside the call: a bad page counts against the breaker). */
function checkPage(page: OrderPageDto): OrderPageDto {
  if (!Array.isArray(page?.orders)) throw badResponse('orders', 'shape');
  return page;
}
