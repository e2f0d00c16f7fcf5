import {
  formatMoney,
  orderStatusOf,
  type OrderDto,
  type OrderPageDto,
  type ProductDto,
  type ProductPage,
  type ProductStockDto,
  type ReviewDto,
  type ShipmentDto,
  type UserDto,
} from '../../src/index.js';

/**
 * The dashboard's shapes: full payloads, money as amount + currency + formatted string,
 * every image size, per-warehouse stock. Pure functions of backend DTOs; no I/O.
 */

export interface MoneyShape {
  amountCents: number;
  currency: string;
  formatted: string;
}

export function toMoney(amountCents: number, currency: string): MoneyShape {
  return { amountCents, currency, formatted: formatMoney(amountCents, currency) };
}

export interface LineItemShape {
  productId: string;
  quantity: number;
  unitPrice: MoneyShape;
  subtotal: MoneyShape;
}

export interface OrderShape {
  id: string;
  userId: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  total: MoneyShape;
  itemCount: number;
  items: LineItemShape[];
}

export function toOrder(order: OrderDto): OrderShape {
  let itemCount = 0;
  const items = order.items.map((item) => {
    itemCount += item.quantity;
    return {
      productId: item.productId,
      quantity: item.quantity,
      unitPrice: toMoney(item.unitPriceCents, order.currency),
      subtotal: toMoney(item.unitPriceCents * item.quantity, order.currency),
    };
  });
  return {
    id: order.id,
    userId: order.userId,
    status: orderStatusOf(order.status),
    createdAt: order.createdAtMs,
    updatedAt: order.updatedAtMs,
    total: toMoney(order.totalCents, order.currency),
    itemCount,
    items,
  };
}

export interface ShipmentShape {
  carrier: string;
  trackingNumber: string;
  status: 'LABEL_CREATED' | 'IN_TRANSIT' | 'OUT_FOR_DELIVERY' | 'DELIVERED' | 'RETURNED';
  estimatedDelivery: string | null;
  updatedAt: string;
}

export function toShipment(shipment: ShipmentDto): ShipmentShape {
  return {
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    status: shipment.status.toUpperCase() as ShipmentShape['status'],
    estimatedDelivery: shipment.estimatedDelivery,
    updatedAt: shipment.updatedAt,
  };
}

export function toOrderConnection(page: OrderPageDto) {
  return {
    nodes: page.orders.map(toOrder),
    pageInfo: { hasNextPage: page.nextPageToken !== '', endCursor: page.nextPageToken || null },
    totalCount: page.totalSize,
  };
}

/**
 * A product is served as the catalog returns it: its fields already have the schema's names,
 * and the two that need shaping (`price`, the stock's `warehouses`) are shaped by their own
 * field resolvers, only when a query selects them. The orders table shows neither, for ~170
 * products a page.
 */
export type ProductShape = ProductDto;

export function toProductConnection(page: ProductPage) {
  return {
    nodes: page.products,
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    totalCount: page.total,
  };
}

export function toWarehouses(stock: ProductStockDto) {
  return stock.warehouses.map((w) => ({ warehouseId: w.warehouseId, name: w.warehouseName, available: w.available, reserved: w.reserved }));
}

export function toReview(review: ReviewDto) {
  return {
    id: review.id,
    rating: review.rating,
    title: review.title,
    body: review.body,
    authorName: review.authorName,
    createdAt: review.createdAt,
  };
}

export interface CustomerShape {
  id: string;
  name: string;
  avatarUrl: string;
  tier: string;
  createdAt: string;
  email: string;
  phone: string;
  address: UserDto['address'];
}

export function toCustomer(user: UserDto): CustomerShape {
  return {
    id: user.id,
    name: user.name,
    avatarUrl: user.avatarUrl,
    tier: user.tier.toUpperCase(),
    createdAt: user.createdAt,
    email: user.email,
    phone: user.phone,
    address: user.address,
  };
}

export function toWebViewer(user: UserDto, scopes: ReadonlySet<string>) {
  return { id: user.id, name: user.name, email: user.email, scopes: [...scopes] };
}
