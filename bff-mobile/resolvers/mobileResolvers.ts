import type { GraphQLResolveInfo } from 'graphql';
import {
  BffError,
  ErrorCode,
  follow,
  isNotFound,
  isStreamFailure,
  loadManyNow,
  loadOrNull,
  lookAhead,
  mapNow,
  pageCursor,
  pageSize,
  placeOrderResult,
  requireUser,
  selects,
  updateProfileResult,
  withCursor,
  type BffContext,
  type LookAhead,
  type OrderStatusEventDto,
  type ProductDto,
} from '../../src/index.js';
import type { Resolvers } from '../generated/resolvers.js';
import {
  toMobileViewer,
  toOrderRow,
  toOrderStatusUpdate,
  toProductCard,
  toProductScreen,
  toRatingSummary,
  toReviewSnippet,
  toStockBadge,
  type OrderRowShape,
  type ProductCardShape,
  type ProductScreenShape,
} from '../shaping/mobileShapes.js';

export const MAX_RECENT_ORDERS = 10;
export const MAX_FEATURED = 20;
export const MAX_HISTORY_PAGE = 50;
export const TOP_REVIEWS = 3;

/** Primes the product loader with products a list call already returned, so joins reuse them. */
function primeProducts(ctx: BffContext, products: readonly ProductDto[]): void {
  for (const product of products) ctx.loaders.productById.prime(product.id, product);
}

/**
 * What prefetchThumbnails asks of a list's selection, checked against the schema when
 * buildBffSchema builds it (createBffMobile passes them in).
 */
export const mobileLookAheads = {
  historyThumbnails: lookAhead('Query.myOrders', ['orders', 'thumbnails']),
  recentThumbnails: lookAhead('Home.recentOrders', ['thumbnails']),
} as const;

/**
 * Fetches the thumbnails of a list of order rows ahead, in one batch (the same call the rows'
 * `thumbnails` fields would make in the next tick), so that each row's strip then answers
 * synchronously instead of through a promise per product. `thumbnails` leads from the list's
 * field to the rows' `thumbnails`; nothing is fetched when the operation does not select it.
 */
async function prefetchThumbnails(
  rows: readonly OrderRowShape[],
  info: GraphQLResolveInfo,
  thumbnails: LookAhead,
  ctx: BffContext,
): Promise<void> {
  if (!selects(info, thumbnails.path)) return;
  const ids = new Set<string>();
  for (const row of rows) for (const id of row.thumbnailProductIds) ids.add(id);
  await ctx.loaders.productById.prefetch(ids);
}

/** A row's thumbnails once its products are in; a catalog outage fails the field. */
function thumbnailsOf(products: readonly (ProductDto | null | Error)[]): string[] {
  const thumbs: string[] = [];
  for (const product of products) {
    // A product the catalog no longer has is left out of the strip.
    if (product instanceof Error) {
      if (isNotFound(product)) continue;
      throw product;
    }
    if (product) thumbs.push(product.images.thumb);
  }
  return thumbs;
}

/**
 * bff-mobile's resolvers: each root field makes at most one backend call; every join goes
 * through the request's loaders, so lists cost one batched call per backend per level.
 */
/** The experiment that ranks Home's featured list two ways (README, Routing). */
const FEATURED_EXPERIMENT = 'mobile-featured-ranking';

export const mobileResolvers: Resolvers = {
  Query: {
    home: () => ({}),
    product: async (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<ProductScreenShape | null> => {
      const product = await loadOrNull(ctx.loaders.productById, id);
      return product ? toProductScreen(product) : null;
    },
    myOrders: async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: BffContext, info: GraphQLResolveInfo) => {
      const userId = requireUser(ctx);
      const pageToken = pageCursor(args.after);
      const page = await withCursor(pageToken, () =>
        ctx.backends.orders.listUserOrders(ctx.scope, {
          userId,
          pageSize: pageSize(args.first, 10, MAX_HISTORY_PAGE),
          ...(pageToken && { pageToken }),
        }),
      );
      const orders = page.orders.map((order) => toOrderRow(order, ctx.now));
      await prefetchThumbnails(orders, info, mobileLookAheads.historyThumbnails, ctx);
      return { orders, nextCursor: page.nextPageToken || null };
    },
  },

  Mutation: {
    placeOrder: async (_: unknown, { input }: { input: PlaceOrderArgs }, ctx: BffContext) => {
      const userId = requireUser(ctx);
      const result = await ctx.backends.orders.placeOrder(ctx.scope, { userId, ...input });
      return placeOrderResult(result, (order) => ({ order: toOrderRow(order, ctx.now) }));
    },
    updateProfile: async (_: unknown, { input }: { input: Record<string, string | null> }, ctx: BffContext) => {
      const userId = requireUser(ctx);
      const result = await ctx.backends.users.updateUser(ctx.scope, userId, input);
      return updateProfileResult(result, (user) => ({ viewer: toMobileViewer(user) }));
    },
    // Queued writes: the message is the whole call; the backend that consumes it decides.
    requestReturn: async (
      _: unknown,
      args: { orderId: string; reason?: string | null; idempotencyKey?: string | null },
      ctx: BffContext,
    ) => {
      const userId = requireUser(ctx);
      if (args.reason && args.reason.length > MAX_RETURN_REASON) {
        throw new BffError(ErrorCode.BAD_USER_INPUT, `reason is at most ${MAX_RETURN_REASON} characters.`, { reason: 'reason_too_long' });
      }
      const { ticketId } = await ctx.queued.requestReturn(ctx, {
        userId,
        orderId: args.orderId,
        reason: args.reason ?? null,
        idempotencyKey: args.idempotencyKey,
      });
      return { ticketId, orderId: args.orderId };
    },
    trackEvent: async (_: unknown, { input }: { input: TrackEventArgs }, ctx: BffContext) =>
      ctx.queued.trackEvent(ctx, {
        name: checkedEventName(input.name),
        properties: checkedProperties(input.properties ?? []),
        occurredAtMs: input.occurredAt ? input.occurredAt.getTime() : ctx.now,
        idempotencyKey: input.idempotencyKey,
      }),
  },

  Subscription: {
    orderStatus: {
      // The orders service decides whether the viewer may follow the order (FORBIDDEN otherwise).
      subscribe: (_: unknown, { orderId }: { orderId: string }, ctx: BffContext) => follow(ctx, (sources) => sources.orderStatus, orderId),
      resolve: (event: unknown, _: unknown, ctx: BffContext) => {
        if (isStreamFailure(event)) throw event.failure;
        return toOrderStatusUpdate(event as OrderStatusEventDto, ctx.now);
      },
    },
  },

  Home: {
    viewer: async (_: unknown, __: unknown, ctx: BffContext) => {
      if (ctx.viewer.userId === undefined) return null;
      const user = await ctx.loaders.userById.load(ctx.viewer.userId);
      return user ? toMobileViewer(user) : null;
    },
    recentOrders: async (
      _: unknown,
      args: { first?: number | null },
      ctx: BffContext,
      info: GraphQLResolveInfo,
    ): Promise<OrderRowShape[]> => {
      if (ctx.viewer.userId === undefined) return [];
      const page = await ctx.backends.orders.listUserOrders(ctx.scope, {
        userId: ctx.viewer.userId,
        pageSize: pageSize(args.first, 5, MAX_RECENT_ORDERS),
      });
      const rows = page.orders.map((order) => toOrderRow(order, ctx.now));
      await prefetchThumbnails(rows, info, mobileLookAheads.recentThumbnails, ctx);
      return rows;
    },
    featured: async (_: unknown, args: { first?: number | null }, ctx: BffContext): Promise<ProductCardShape[]> => {
      // The A/B experiment `mobile-featured-ranking` (routing-rules.json): its `newest` variant
      // ranks the list by novelty; everyone else (and every request without routing) by rating.
      const sort = ctx.routing[FEATURED_EXPERIMENT] === 'newest' ? 'newest' : 'rating_desc';
      const page = await ctx.backends.catalog.listProducts(ctx.scope, { sort, limit: pageSize(args.first, 6, MAX_FEATURED) });
      primeProducts(ctx, page.products);
      return page.products.map(toProductCard);
    },
  },

  ProductCard: {
    stock: async (card: ProductCardShape, _: unknown, ctx: BffContext) => toStockBadge(await ctx.loaders.stockByProductId.load(card.id)),
  },

  ProductScreen: {
    stock: async (screen: ProductScreenShape, _: unknown, ctx: BffContext) =>
      toStockBadge(await ctx.loaders.stockByProductId.load(screen.id)),
    rating: async (screen: ProductScreenShape, _: unknown, ctx: BffContext) =>
      toRatingSummary(await ctx.loaders.reviewSummaryByProductId.load(screen.id)),
    topReviews: async (screen: ProductScreenShape, _: unknown, ctx: BffContext) => {
      const entry = await ctx.loaders.reviewsByProductId(TOP_REVIEWS).load(screen.id);
      return (entry?.reviews ?? []).map((review) => toReviewSnippet(review, ctx.now));
    },
  },

  OrderRow: {
    // Synchronous once its list's thumbnails are fetched (prefetchThumbnails); a load otherwise.
    thumbnails: (row: OrderRowShape, _: unknown, ctx: BffContext) =>
      mapNow(loadManyNow(ctx.loaders.productById, row.thumbnailProductIds), thumbnailsOf),
  },

  PlaceOrderResult: { __resolveType: (result) => result.__typename! },
  UpdateProfileResult: { __resolveType: (result) => result.__typename! },
};

interface PlaceOrderArgs {
  items: { productId: string; quantity: number; expectedUnitPriceCents: number }[];
  idempotencyKey: string;
}

export const MAX_RETURN_REASON = 500;
const EVENT_NAME = /^[a-z][a-z0-9_.]{0,63}$/;
const MAX_EVENT_PROPERTIES = 20;

interface TrackEventArgs {
  name: string;
  properties?: { key: string; value: string }[] | null;
  occurredAt?: Date | null;
  idempotencyKey?: string | null;
}

/** @throws BffError BAD_USER_INPUT unless the name is lower case, digits, `_` and `.`, at most 64 characters. */
function checkedEventName(name: string): string {
  if (!EVENT_NAME.test(name))
    throw new BffError(ErrorCode.BAD_USER_INPUT, 'An event name is lower case letters, digits, _ and ., at most 64 characters.', {
      reason: 'event_name',
    });
  return name;
}

/** @throws BffError BAD_USER_INPUT past 20 properties, a key over 64 or a value over 256 characters, or a repeated key. */
function checkedProperties(properties: readonly { key: string; value: string }[]): Record<string, string> {
  if (properties.length > MAX_EVENT_PROPERTIES)
    throw new BffError(ErrorCode.BAD_USER_INPUT, `At most ${MAX_EVENT_PROPERTIES} properties.`, { reason: 'event_properties' });
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const { key, value } of properties) {
    if (key.length === 0 || key.length > 64 || value.length > 256 || key in out) {
      throw new BffError(ErrorCode.BAD_USER_INPUT, 'Property keys are 1..64 characters and unique, values at most 256.', {
        reason: 'event_properties',
      });
    }
    out[key] = value;
  }
  return { ...out };
}
