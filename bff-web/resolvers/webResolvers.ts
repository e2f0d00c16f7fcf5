import type { IResolvers } from '@graphql-tools/utils';
import { requireUser } from '../../src/auth/requireViewer.js';
import type { BffContext } from '../../src/context/BffContext.js';
import type { ProductSort } from '../../src/datasources/rest/CatalogApi.js';
import type { OrderStatusDto } from '../../src/datasources/grpc/OrdersClient.js';
import { loadOrNull } from '../../src/loaders/createLoader.js';
import { grpcOrderStatus, pageSize } from '../../src/shaping/format.js';
import { placeOrderResult, updateProfileResult } from '../../src/shaping/writeResults.js';
import {
  toCustomer,
  toOrder,
  toOrderConnection,
  toProduct,
  toProductConnection,
  toReview,
  toStock,
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
 * bff-web's resolvers: each root field makes at most one backend call; every join goes
 * through the request's loaders, so the orders table costs one batched call per backend
 * per level whatever its length.
 */
export const webResolvers: IResolvers<unknown, BffContext> = {
  Query: {
    viewer: async (_: unknown, __: unknown, ctx: BffContext) => {
      if (ctx.viewer.userId === undefined) return null;
      const user = await ctx.loaders.userById.load(ctx.viewer.userId);
      return user ? toWebViewer(user, ctx.viewer.scopes) : null;
    },
    orders: async (_: unknown, args: { first?: number; after?: string; status?: string }, ctx: BffContext) => {
      const page = await ctx.backends.orders.listRecentOrders(ctx.scope, {
        pageSize: pageSize(args.first, 20, MAX_PAGE),
        ...(args.after && { pageToken: args.after }),
        ...(args.status && { status: grpcOrderStatus(args.status) as OrderStatusDto }),
      });
      return toOrderConnection(page);
    },
    order: async (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<OrderShape | null> => {
      const userId = requireUser(ctx);
      const order = await loadOrNull(ctx.loaders.orderById, id);
      // Someone else's order reads as missing: its existence is not the viewer's business.
      if (!order || (order.userId !== userId && !ctx.viewer.scopes.has(STAFF_ORDERS_SCOPE))) return null;
      return toOrder(order);
    },
    product: async (_: unknown, { id }: { id: string }, ctx: BffContext): Promise<ProductShape | null> => {
      const product = await loadOrNull(ctx.loaders.productById, id);
      return product ? toProduct(product) : null;
    },
    products: async (_: unknown, args: { category?: string; sort?: string; first?: number; after?: string }, ctx: BffContext) => {
      const page = await ctx.backends.catalog.listProducts(ctx.scope, {
        category: args.category,
        sort: args.sort?.toLowerCase() as ProductSort | undefined,
        limit: pageSize(args.first, 20, MAX_PAGE),
        cursor: args.after,
      });
      for (const product of page.products) ctx.loaders.productById.prime(product.id, product);
      return toProductConnection(page);
    },
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

  Order: {
    customer: async (order: OrderShape, _: unknown, ctx: BffContext) => {
      const user = await ctx.loaders.userById.load(order.userId);
      return user ? toCustomer(user) : null;
    },
  },

  LineItem: {
    product: async (item: LineItemShape, _: unknown, ctx: BffContext) => {
      const product = await ctx.loaders.productById.load(item.productId);
      return product ? toProduct(product) : null;
    },
  },

  Product: {
    stock: async (product: ProductShape, _: unknown, ctx: BffContext) => {
      const stock = await ctx.loaders.stockByProductId.load(product.id);
      return stock ? toStock(stock) : null;
    },
    reviewSummary: (product: ProductShape, _: unknown, ctx: BffContext) => ctx.loaders.reviewSummaryByProductId.load(product.id),
    reviews: async (product: ProductShape, args: { first?: number }, ctx: BffContext) => {
      const entry = await ctx.loaders.reviewsByProductId(pageSize(args.first, 5, 20)).load(product.id);
      return (entry?.reviews ?? []).map(toReview);
    },
  },

  Customer: {
    email: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.email : null),
    phone: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.phone : null),
    address: (customer: CustomerShape, _: unknown, ctx: BffContext) => (maySeeContact(ctx, customer.id) ? customer.address : null),
    orders: async (customer: CustomerShape, args: { first?: number; after?: string }, ctx: BffContext) => {
      if (!maySeeContact(ctx, customer.id) && !ctx.viewer.scopes.has(STAFF_ORDERS_SCOPE)) return null;
      const page = await ctx.backends.orders.listUserOrders(ctx.scope, {
        userId: customer.id,
        pageSize: pageSize(args.first, 20, MAX_PAGE),
        ...(args.after && { pageToken: args.after }),
      });
      return toOrderConnection(page);
    },
  },

  PlaceOrderResult: { __resolveType: (result: { __typename: string }) => result.__typename },
  UpdateProfileResult: { __resolveType: (result: { __typename: string }) => result.__typename },
};

interface PlaceOrderArgs {
  items: { productId: string; quantity: number; expectedUnitPriceCents: number }[];
  idempotencyKey: string;
}
