import type { GraphQLResolveInfo } from 'graphql';
import {
  BffError,
  ErrorCode,
  follow,
  grpcOrderStatus,
  isStreamFailure,
  lookAhead,
  loadNow,
  loadOrNull,
  mapNow,
  ORDER_EVENTS_TOPIC,
  pageCursor,
  pageSize,
  placeOrderResult,
  requireUser,
  selects,
  updateProfileResult,
  withCursor,
  type BffContext,
  type OrderDto,
  type OrderStatusDto,
  type ProductSort,
} from '../../src/index.js';
import type { Resolvers } from '../generated/resolvers.js';
import {
  toCustomer,
  toOrder,
  toOrderConnection,
  toProductConnection,
  toReview,
  toShipment,
  toMoney,
  toWarehouses,
  toWebViewer,
  type CustomerShape,
  type LineItemShape,
  type OrderShape,
  type ProductShape,
} from '../shaping/webShapes.js';

export const MAX_PAGE = 100;
export const STAFF_ORDERS_SCOPE = 'orders:read:all';
export const STAFF_CUSTOMERS_SCOPE = 'customers:read';

/** Staff with the scope, or the customer themself, may see contact details. */
function maySeeContact(ctx: BffContext, customerId: string): boolean {
  return ctx.viewer.scopes.has(STAFF_CUSTOMERS_SCOPE) || ctx.viewer.userId === customerId;
}

/**
 * What prefetchOrderJoins asks of an order list's selection (`Query.orders`, `Customer.orders`),
 * checked against the schema when buildBffSchema builds it (createBffWeb passes them in).
 */
export const webLookAheads = {
  orderCustomers: lookAhead('OrderConnection', ['nodes', 'customer']),
  orderProducts: lookAhead('OrderConnection', ['nodes', 'items', 'product']),
  orderProductStock: lookAhead('OrderConnection', ['nodes', 'items', 'product', 'stock']),
  orderShipments: lookAhead('OrderConnection', ['nodes', 'shipment']),
} as const;

/**
 * Fetches the joins an order list's selection asks for (customers, shipments; products,
 * then their stock) as soon as the list is known, one batched call per backend as the per-field loads
 * would make (same keys, same order, same levels), so that `Order.customer`,
 * `LineItem.product` and `Product.stock` then answer synchronously from the loaders instead
 * of through a promise each: hundreds of them on a dashboard page. Failures stay with the
 * keys they concern and surface, as before, at those fields' paths.
 */
async function prefetchOrderJoins(orders: readonly OrderShape[], info: GraphQLResolveInfo, ctx: BffContext): Promise<void> {
  const wantsProduct = selects(info, webLookAheads.orderProducts.path);
  const wantsStock = wantsProduct && selects(info, webLookAheads.orderProductStock.path);
  const products = async () => {
    const productIds = new Set<string>();
    for (const order of orders) for (const item of order.items) productIds.add(item.productId);
    await ctx.loaders.productById.prefetch(productIds);
    if (!wantsStock) return;
    const stocked: string[] = [];
    productIds.forEach((id) => {
      const product = ctx.loaders.productById.peek(id);
      if (product && !(product instanceof Error)) stocked.push(id);
    });
    await ctx.loaders.stockByProductId.prefetch(stocked);
  };
  const customers = () => {
    const userIds = new Set<string>();
    for (const order of orders) userIds.add(order.userId);
    return ctx.loaders.userById.prefetch(userIds);
  };
  await Promise.all([
    selects(info, webLookAheads.orderCustomers.path) ? customers() : undefined,
    wantsProduct ? products() : undefined,
    selects(info, webLookAheads.orderShipments.path) ? ctx.loaders.shipmentByOrderId.prefetch(orders.map((order) => order.id)) : undefined,
  ]);
}

/**
 * bff-web's resolvers: each root field makes at most one backend call; every join goes
 * through the request's loaders, so the orders table costs one batched call per backend
 * per level whatever its length.
 */
export const webResolvers: Resolvers = {
  Subscription: {
    orderEvents: {
      subscribe: (_: unknown, __: unknown, ctx: BffContext) => follow(ctx, (sources) => sources.orderEvents, ORDER_EVENTS_TOPIC),
      resolve: (event: unknown) => {
        if (isStreamFailure(event)) throw event.failure;
        const order = event as OrderDto;
        // An order the service has not changed since it was placed is new to the feed.
        return { kind: order.updatedAtMs === order.createdAtMs ? ('CREATED' as const) : ('UPDATED' as const), order: toOrder(order) };
      },
    },
  },

  Query: {
    viewer: async (_: unknown, __: unknown, ctx: BffContext) => {
      if (ctx.viewer.userId === undefined) return null;
      const user = await ctx.loaders.userById.load(ctx.viewer.userId);
      return user ? toWebViewer(user, ctx.viewer.scopes) : null;
    },
    orders: async (
      _: unknown,
      args: { first?: number | null; after?: string | null; status?: string | null },
      ctx: BffContext,
      info: GraphQLResolveInfo,
    ) => {
      const pageToken = pageCursor(args.after);
      const page = await withCursor(pageToken, () =>
        ctx.backends.orders.listRecentOrders(ctx.scope, {
          pageSize: pageSize(args.first, 20, MAX_PAGE),
          ...(pageToken && { pageToken }),
          ...(args.status && { status: grpcOrderStatus(args.status) as OrderStatusDto }),
        }),
      );
      const connection = toOrderConnection(page);
      await prefetchOrderJoins(connection.nodes, info, ctx);
      return connection;
    },
    order: async (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<OrderShape | null> => {
      const userId = requireUser(ctx);
      const order = await loadOrNull(ctx.loaders.orderById, id);
      // Someone else's order reads as missing: its existence is not the viewer's business.
      if (!order || (order.userId !== userId && !ctx.viewer.scopes.has(STAFF_ORDERS_SCOPE))) return null;
      return toOrder(order);
    },
    product: (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<ProductShape | null> => loadOrNull(ctx.loaders.productById, id),
    products: async (
      _: unknown,
      args: { category?: string | null; sort?: string | null; first?: number | null; after?: string | null },
      ctx: BffContext,
    ) => {
      const page = await ctx.backends.catalog.listProducts(ctx.scope, {
        category: args.category ?? undefined,
        sort: args.sort?.toLowerCase() as ProductSort | undefined,
        limit: pageSize(args.first, 20, MAX_PAGE),
        cursor: pageCursor(args.after),
      });
      // The catalog answers an unknown category with an empty page; whether it is unknown is
      // the catalog's to say, so an empty filtered page asks it (one more call, only then).
      if (args.category && page.total === 0) {
        const categories = await ctx.backends.catalog.listCategories(ctx.scope);
        if (!categories.some((c) => c.slug === args.category)) {
          throw new BffError(
            ErrorCode.BAD_USER_INPUT,
            `category "${args.category}" is not one the catalog lists: Query.categories has them.`,
            {
              reason: 'unknown_category',
              extensions: { argument: 'category' },
            },
          );
        }
      }
      for (const product of page.products) ctx.loaders.productById.prime(product.id, product);
      return toProductConnection(page);
    },
    categories: (_: unknown, __: unknown, ctx: BffContext) => ctx.backends.catalog.listCategories(ctx.scope),
    customer: async (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<CustomerShape | null> => {
      const user = await loadOrNull(ctx.loaders.userById, id);
      return user ? toCustomer(user) : null;
    },
  },

  Mutation: {
    placeOrder: async (_: unknown, { input }: { input: PlaceOrderArgs }, ctx: BffContext) => {
      const userId = requireUser(ctx);
      const result = await ctx.backends.orders.placeOrder(ctx.scope, { userId, ...input });
      return placeOrderResult(result, (order) => ({ order: toOrder(order) }));
    },
    updateProfile: async (_: unknown, { input }: { input: Record<string, string | null> }, ctx: BffContext) => {
      const userId = requireUser(ctx);
      const result = await ctx.backends.users.updateUser(ctx.scope, userId, input);
      return updateProfileResult(result, (user) => ({ viewer: toWebViewer(user, ctx.viewer.scopes) }));
    },
  },

  // Synchronous once their list's joins are fetched (prefetchOrderJoins); a load otherwise.
  Order: {
    customer: (order: OrderShape, _: unknown, ctx: BffContext) =>
      mapNow(loadNow(ctx.loaders.userById, order.userId), (user) => (user ? toCustomer(user) : null)),
    // Through the named loader: a page of orders costs one shipping call, not one per order.
    shipment: (order: OrderShape, _: unknown, ctx: BffContext) =>
      mapNow(loadNow(ctx.loaders.shipmentByOrderId, order.id), (shipment) => (shipment ? toShipment(shipment) : null)),
  },

  LineItem: {
    product: (item: LineItemShape, _: unknown, ctx: BffContext) => loadNow(ctx.loaders.productById, item.productId),
  },

  Product: {
    stock: (product: ProductShape, _: unknown, ctx: BffContext) => loadNow(ctx.loaders.stockByProductId, product.id),
    price: (product: ProductShape) => toMoney(product.price.amountCents, product.price.currency),
    reviewSummary: (product: ProductShape, _: unknown, ctx: BffContext) => ctx.loaders.reviewSummaryByProductId.load(product.id),
    reviews: async (product: ProductShape, args: { first?: number | null }, ctx: BffContext) => {
      const entry = await ctx.loaders.reviewsByProductId(pageSize(args.first, 5, 20)).load(product.id);
      return (entry?.reviews ?? []).map(toReview);
    },
  },

  Stock: {
    warehouses: toWarehouses,
  },

  Customer: {
    email: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.email : null),
    phone: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.phone : null),
    address: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.address : null),
    orders: async (
      customer: CustomerShape,
      args: { first?: number | null; after?: string | null },
      ctx: BffContext,
      info: GraphQLResolveInfo,
    ) => {
      if (!maySeeContact(ctx, customer.id) && !ctx.viewer.scopes.has(STAFF_ORDERS_SCOPE)) return null;
      const pageToken = pageCursor(args.after);
      const page = await withCursor(pageToken, () =>
        ctx.backends.orders.listUserOrders(ctx.scope, {
          userId: customer.id,
          pageSize: pageSize(args.first, 20, MAX_PAGE),
          ...(pageToken && { pageToken }),
        }),
      );
      const connection = toOrderConnection(page);
      await prefetchOrderJoins(connection.nodes, info, ctx);
      return connection;
    },
  },

  PlaceOrderResult: { __resolveType: (result) => result.__typename! },
  UpdateProfileResult: { __resolveType: (result) => result.__typename! },
};

interface PlaceOrderArgs {
  items: { productId: string; quantity: number; expectedUnitPriceCents: number }[];
  idempotencyKey: string;
}
