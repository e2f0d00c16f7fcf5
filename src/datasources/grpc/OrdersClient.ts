import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { GrpcClient, type GrpcClientOptions, type StreamHeaders, type StreamSink } from './GrpcClient.js';

export type OrderStatusDto =
  | 'ORDER_STATUS_UNSPECIFIED'
  | 'ORDER_STATUS_PENDING'
  | 'ORDER_STATUS_PAID'
  | 'ORDER_STATUS_SHIPPED'
  | 'ORDER_STATUS_DELIVERED'
  | 'ORDER_STATUS_CANCELLED';

export interface LineItemDto {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderDto {
  id: string;
  userId: string;
  items: LineItemDto[];
  status: OrderStatusDto;
  createdAtMs: number;
  updatedAtMs: number;
  totalCents: number;
  currency: string;
}

export interface OrderPageDto {
  orders: OrderDto[];
  nextPageToken: string;
  totalSize: number;
}

export interface OrderStatusEventDto {
  orderId: string;
  status: OrderStatusDto;
  atMs: number;
}

export interface PlaceOrderInput {
  userId: string;
  items: { productId: string; quantity: number; expectedUnitPriceCents: number }[];
  idempotencyKey: string;
}

export type PlaceOrderResultDto =
  | { result: 'placed'; placed: OrderDto }
  | { result: 'outOfStock'; outOfStock: { productId: string; requested: number; available: number } }
  | {
      result: 'priceChanged';
      priceChanged: { productId: string; expectedUnitPriceCents: number; actualUnitPriceCents: number };
    };

/** The orders backend (gRPC `shop.orders.v1.OrdersService`). */
export class OrdersClient implements DataSource {
  static readonly maxBatchSize = 200;
  readonly upstream: Upstream;
  private readonly grpc: GrpcClient;

  constructor(options: Omit<GrpcClientOptions, 'name'>) {
    this.grpc = new GrpcClient('orders/v1/orders.proto', 'shop.orders.v1.OrdersService', { ...options, name: 'orders' });
    this.upstream = this.grpc.upstream;
  }

  listUserOrders(scope: CallScope, input: { userId: string; pageSize: number; pageToken?: string }): Promise<OrderPageDto> {
    return this.grpc.unary(scope, 'ListUserOrders', input, 1, true, checkPage);
  }

  listRecentOrders(
    scope: CallScope,
    input: { pageSize: number; pageToken?: string; status?: OrderStatusDto },
  ): Promise<OrderPageDto> {
    return this.grpc.unary(scope, 'ListRecentOrders', input, 1, true, checkPage);
  }

  /** @returns the orders found, in any order; unknown ids are left out. */
  async batchGetOrders(scope: CallScope, ids: readonly string[]): Promise<OrderDto[]> {
    const response = await this.grpc.unary<{ orders: OrderDto[] }>(scope, 'BatchGetOrders', { ids }, ids.length, true, (res) => ({
      orders: checkBatch<OrderDto>('orders', res?.orders, ids, (order) => order.id),
    }));
    return response.orders;
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
    const response = await this.grpc.unary<PlaceOrderResultDto>(scope, 'PlaceOrder', input, input.items.length, false);
    if (!response.result) throw badResponse('orders', 'empty_result');
    return response;
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
