/**
 * The `stock` contender: what a competent team would ship in a day without this kit. Apollo
 * Server 5 with its defaults (`startStandaloneServer`, graphql-js, Apollo's default plugins),
 * the client's schema (its committed SDL snapshot, built with @graphql-tools/schema),
 * per-request DataLoaders, and the hand-written backend clients of bench/handwritten/shop.ts
 * (undici, grpc-js, jose, the signed identity the backends require). No code of this kit.
 *
 * STOCK_CLIENT=mobile serves bff-mobile's schema, STOCK_CLIENT=web bff-web's; the resolvers
 * cover what the benchmark's operations select (the fields a team would write first).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import DataLoader from 'dataloader';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import {
  catalog,
  inventory,
  moneyOf,
  orderRow,
  orders,
  productCard,
  settings,
  statusOf,
  stockBadge,
  users,
  viewerOf,
  type Caller,
  type Order,
  type Product,
  type User,
} from '../handwritten/shop.js';

const client = process.env.STOCK_CLIENT === 'web' ? 'web' : 'mobile';

function schemaFile(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const file = new URL(`schema/${client}/${client}.snapshot.graphql`, dir);
    try {
      return readFileSync(fileURLToPath(file), 'utf8');
    } catch {
      if (fileURLToPath(dir) === '/') throw new Error('schema/ not found');
    }
  }
}

interface Context extends Caller {
  now: number;
  userById: DataLoader<string, User | null>;
  productById: DataLoader<string, Product | null>;
  stockByProductId: DataLoader<string, number | null>;
}

/** One loader per entity per request, results in key order (null for a missing key). */
function loadersFor(caller: Caller) {
  const byKey = <K extends string, V>(list: V[], keyOf: (v: V) => string, keys: readonly K[]) => {
    const map = new Map(list.map((v) => [keyOf(v), v]));
    return keys.map((k) => map.get(k) ?? null);
  };
  return {
    userById: new DataLoader<string, User | null>(async (ids) => byKey(await users.byIds(caller, ids), (u) => u.id, ids)),
    productById: new DataLoader<string, Product | null>(async (ids) => byKey(await catalog.byIds(caller, ids), (p) => p.id, ids)),
    stockByProductId: new DataLoader<string, number | null>(async (ids) =>
      byKey(await inventory.batchGetStock(caller, ids), (s) => s.productId, ids).map((s) => s?.totalAvailable ?? null),
    ),
  };
}

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => new Date(value as number | string).toISOString(),
  parseValue: (value) => new Date(value as string),
});

const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });

const mobileResolvers = {
  Query: { home: () => ({}) },
  Home: {
    viewer: async (_: unknown, __: unknown, ctx: Context) => {
      if (ctx.viewer.userId === undefined) return null;
      const user = await ctx.userById.load(ctx.viewer.userId);
      return user ? { id: user.id, firstName: user.name.split(' ')[0] ?? user.name, avatarUrl: user.avatarUrl } : null;
    },
    recentOrders: async (_: unknown, args: { first: number }, ctx: Context) => {
      if (ctx.viewer.userId === undefined) return [];
      const page = await orders.listUserOrders(ctx, ctx.viewer.userId, args.first);
      return page.orders.map((order) => orderRow(order, ctx.now));
    },
    featured: async (_: unknown, args: { first: number }, ctx: Context) => {
      const products = await catalog.topRated(ctx, args.first);
      for (const product of products) ctx.productById.prime(product.id, product);
      return products.map(productCard);
    },
  },
  OrderRow: {
    thumbnails: async (row: { thumbnailProductIds: string[] }, _: unknown, ctx: Context) =>
      (await ctx.productById.loadMany(row.thumbnailProductIds)).flatMap((p) => (p && !(p instanceof Error) ? [p.images.thumb] : [])),
  },
  ProductCard: {
    stock: async (card: { id: string }, _: unknown, ctx: Context) => stockBadge((await ctx.stockByProductId.load(card.id)) ?? undefined),
  },
};

const webResolvers = {
  DateTime,
  Query: {
    orders: async (_: unknown, args: { first: number; after?: string | null }, ctx: Context) => {
      if (!ctx.viewer.scopes.includes('orders:read:all')) throw forbidden('This needs the orders:read:all scope.');
      const page = await orders.listRecentOrders(ctx, args.first, args.after ?? undefined);
      return {
        nodes: page.orders,
        totalCount: page.totalSize,
        pageInfo: { hasNextPage: page.nextPageToken !== '', endCursor: page.nextPageToken || null },
      };
    },
  },
  Order: {
    status: (order: Order) => statusOf(order.status),
    createdAt: (order: Order) => order.createdAtMs,
    updatedAt: (order: Order) => order.updatedAtMs,
    itemCount: (order: Order) => order.items.reduce((n, item) => n + item.quantity, 0),
    total: (order: Order) => moneyOf(order.totalCents, order.currency),
    customer: (order: Order, _: unknown, ctx: Context) => ctx.userById.load(order.userId),
    items: (order: Order) => order.items.map((item) => ({ ...item, currency: order.currency })),
  },
  Customer: {
    tier: (user: User) => user.tier.toUpperCase(),
    email: (user: User, _: unknown, ctx: Context) =>
      ctx.viewer.scopes.includes('customers:read') || ctx.viewer.userId === user.id ? user.email : null,
  },
  LineItem: {
    product: (item: { productId: string }, _: unknown, ctx: Context) => ctx.productById.load(item.productId),
    unitPrice: (item: { unitPriceCents: number; currency: string }) => moneyOf(item.unitPriceCents, item.currency),
    subtotal: (item: { unitPriceCents: number; quantity: number; currency: string }) =>
      moneyOf(item.unitPriceCents * item.quantity, item.currency),
  },
  Product: {
    stock: async (product: Product, _: unknown, ctx: Context) => {
      const available = await ctx.stockByProductId.load(product.id);
      return available === null ? null : { totalAvailable: available };
    },
  },
};

const server = new ApolloServer<Context>({
  schema: makeExecutableSchema({ typeDefs: schemaFile(), resolvers: client === 'web' ? webResolvers : { DateTime, ...mobileResolvers } }),
});
await startStandaloneServer(server, {
  listen: { port: settings.port, host: settings.host },
  context: async ({ req }) => {
    const caller: Caller = { viewer: await viewerOf(req.headers.authorization, client), requestId: randomUUID() };
    return { ...caller, now: Date.now(), ...loadersFor(caller) };
  },
});
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
