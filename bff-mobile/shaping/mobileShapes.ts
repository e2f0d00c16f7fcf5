import {
  formatMoney,
  orderStatusOf,
  relativeTime,
  truncate,
  type OrderDto,
  type OrderStatusEventDto,
  type ProductDto,
  type ProductStockDto,
  type ReviewDto,
  type ReviewSummaryDto,
  type UserDto,
} from '../../src/index.js';

/**
 * The mobile app's shapes: small images, formatted strings, badges instead of numbers.
 * Pure functions of backend DTOs (and the request's clock); no I/O, no context.
 */

export const LOW_STOCK_BELOW = 5;
export const DESCRIPTION_MAX = 280;

export interface MobileViewerShape {
  id: string;
  firstName: string;
  avatarUrl: string;
}

export function toMobileViewer(user: UserDto): MobileViewerShape {
  return { id: user.id, firstName: user.name.split(' ')[0] ?? user.name, avatarUrl: user.avatarUrl };
}

export interface ProductCardShape {
  id: string;
  title: string;
  price: string;
  imageUrl: string;
  rating: number;
}

export function toProductCard(product: ProductDto): ProductCardShape {
  return {
    id: product.id,
    title: product.title,
    price: formatMoney(product.price.amountCents, product.price.currency),
    imageUrl: product.images.small,
    rating: product.rating,
  };
}

export interface ProductImageShape {
  url: string;
  width: number;
}

export interface ProductScreenShape extends Omit<ProductCardShape, 'imageUrl' | 'rating'> {
  /** Deprecated in the schema (use `gallery`); served while app versions still select it. */
  images: string[];
  gallery: ProductImageShape[];
  description: string;
}

export function toProductScreen(product: ProductDto): ProductScreenShape {
  return {
    id: product.id,
    title: product.title,
    price: formatMoney(product.price.amountCents, product.price.currency),
    images: [product.images.medium],
    gallery: [
      { url: product.images.medium, width: 400 },
      { url: product.images.large, width: 800 },
    ],
    description: truncate(product.description, DESCRIPTION_MAX),
  };
}

export type StockBadge = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

/** Unknown stock (the product is not stocked anywhere) reads as out of stock. */
export function toStockBadge(stock: ProductStockDto | null): StockBadge {
  const available = stock?.totalAvailable ?? 0;
  if (available <= 0) return 'OUT_OF_STOCK';
  return available < LOW_STOCK_BELOW ? 'LOW_STOCK' : 'IN_STOCK';
}

export function toRatingSummary(summary: ReviewSummaryDto | null): { average: number; count: number; label: string } {
  const average = summary?.averageRating ?? 0;
  const count = summary?.count ?? 0;
  return { average, count, label: count === 0 ? 'No reviews yet' : `${average.toFixed(1)} ★ (${count})` };
}

export function toReviewSnippet(review: ReviewDto, nowMs: number) {
  return { rating: review.rating, title: review.title, author: review.authorName, ago: relativeTime(Date.parse(review.createdAt), nowMs) };
}

const STATUS_LABELS: Record<string, string> = {
  PENDING: 'Pending',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};

export const THUMBNAILS_PER_ORDER = 3;

export interface OrderRowShape {
  id: string;
  status: string;
  statusLabel: string;
  placed: string;
  total: string;
  itemCount: number;
  /** Products whose thumbnails the row shows (resolved through the product loader). */
  thumbnailProductIds: string[];
}

export function toOrderRow(order: OrderDto, nowMs: number): OrderRowShape {
  const status = orderStatusOf(order.status);
  let itemCount = 0;
  for (const item of order.items) itemCount += item.quantity;
  return {
    id: order.id,
    status,
    statusLabel: STATUS_LABELS[status] ?? status,
    placed: relativeTime(order.createdAtMs, nowMs),
    total: formatMoney(order.totalCents, order.currency),
    itemCount,
    thumbnailProductIds: order.items.slice(0, THUMBNAILS_PER_ORDER).map((item) => item.productId),
  };
}

export interface OrderStatusUpdateShape {
  orderId: string;
  status: string;
  statusLabel: string;
  updated: string;
}

/** One WatchOrderStatus event, as the app's order screen shows it. */
export function toOrderStatusUpdate(event: OrderStatusEventDto, nowMs: number): OrderStatusUpdateShape {
  const status = orderStatusOf(event.status);
  return { orderId: event.orderId, status, statusLabel: STATUS_LABELS[status] ?? status, updated: relativeTime(event.atMs, nowMs) };
}
