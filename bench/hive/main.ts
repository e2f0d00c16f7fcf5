/**
 * The optional `hive` contender (issue 21, "a peer-like gateway"): Hive Gateway serving a
 * GraphQL Mesh supergraph of the demo shop's REST and gRPC services (bench/hive/compose.ts),
 * with the client's screens built the way Mesh users build them — `additionalTypeDefs` and
 * `additionalResolvers` that call the sources through Mesh's in-context SDK (batched with
 * `key`/`argsFromKeys`, one backend call per source per level) — and the same edge work as
 * the other contenders in Hive Gateway's plugin hooks: the bearer JWT checked with jose
 * against the IdP's JWKS, and every backend call signed (backends/identity/verifyIdentity.ts)
 * in `onFetch` (REST) and in a grpc-js interceptor that a thin wrapper of Mesh's gRPC
 * transport adds to its channel (gRPC).
 * No code of this kit, nor of bench/handwritten (the shapes are written again below).
 *
 * HIVE_CLIENT=mobile serves the Home screen's types, HIVE_CLIENT=web the orders table's: the
 * fields the benchmark's operations select, as bench/stock does. Configured by the same
 * environment as a BFF (USERS_URL, CATALOG_URL, ORDERS_ADDR, INVENTORY_ADDR, JWKS_URL,
 * JWT_ISSUER, JWT_AUDIENCE, IDENTITY_HMAC_SECRET, BFF_HOST, BFF_PORT). Its dependencies are
 * bench/hive's own (`npm run bench -- --hive` installs them; docs/performance.md).
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import meshGrpc from '@graphql-mesh/transport-grpc';
import meshRest from '@graphql-mesh/transport-rest';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new TypeError(`${name} is required`);
  return value;
};
const client = env.HIVE_CLIENT === 'web' ? 'web' : 'mobile';
const secret = need('IDENTITY_HMAC_SECRET');
const CALL_TIMEOUT_MS = 10_000;

// ---- The supergraph: composed by a child process (Mesh compose's libraries stay out of this one)

const composeEntry = new URL(import.meta.url.endsWith('.ts') ? './compose.ts' : './compose.js', import.meta.url);
const supergraph = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(composeEntry)], {
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  stdio: ['ignore', 'pipe', 'inherit'],
});

// ---- Identity: the bearer token (jose) and the signed headers per backend call -------------

const jwks = createRemoteJWKSet(new URL(need('JWKS_URL')));
const issuer = env.JWT_ISSUER ?? 'https://idp.demo.shop';
const audience = env.JWT_AUDIENCE ?? 'shop-bff';

interface Caller {
  client: string;
  userId: string;
  scopes: string;
  requestId: string;
}
interface Context {
  caller: Caller;
  now: number;
  // Mesh's in-context SDK: one entry per source.
  [source: string]: unknown;
}

async function callerOf(authorization: string | null): Promise<Caller> {
  const requestId = randomUUID();
  if (!authorization) return { client, userId: '', scopes: '', requestId };
  const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      algorithms: ['ES256', 'RS256'],
      clockTolerance: 30,
      requiredClaims: ['exp', 'sub'],
    });
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean).join(' ') : '';
    return { client, userId: payload.sub ?? '', scopes, requestId };
  } catch {
    throw new GraphQLError('The access token is not valid.', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

function signed(caller: Caller, ts: string, backend: string, call: string): string {
  return createHmac('sha256', secret)
    .update([caller.client, caller.userId, caller.scopes, caller.requestId, ts, backend, call].join('\n'))
    .digest('base64url');
}

const restBackends = new Map([
  [new URL(need('CATALOG_URL')).origin, 'catalog'],
  [new URL(need('USERS_URL')).origin, 'users'],
]);

/** Verifies the token once per request and signs every REST call as it is sent. */
const identityPlugin: GatewayPlugin<Context> = {
  async onContextBuilding({ context, extendContext }) {
    const headers = (context as unknown as { request: Request }).request.headers;
    extendContext({ caller: await callerOf(headers.get('authorization')), now: Date.now() } as Partial<Context>);
  },
  onFetch({ url, options, setOptions, context }) {
    const target = new URL(url);
    const backend = restBackends.get(target.origin);
    const caller = (context as Context | undefined)?.caller;
    if (!backend || !caller) return;
    const ts = String(Date.now());
    const headers: Record<string, string> = {
      ...options.headers,
      'x-request-id': caller.requestId,
      'x-bff-client': caller.client,
      'x-bff-scopes': caller.scopes,
      'x-bff-identity-ts': ts,
      'x-bff-identity-sig': signed(caller, ts, backend, `${options.method ?? 'GET'} ${target.pathname}${target.search}`),
    };
    if (caller.userId) headers['x-bff-user-id'] = caller.userId;
    setOptions({ ...options, headers });
  },
};

/**
 * gRPC: Mesh's transport copies the caller into each call's metadata (its `metaData` option,
 * read from the context); this interceptor, which sees the method path, adds the signature.
 */
const grpcIdentity: Interceptor = (options, nextCall) => {
  const path = options.method_definition.path; // /shop.orders.v1.OrdersService/ListUserOrders
  const backend = path.startsWith('/shop.inventory.') ? 'inventory' : 'orders';
  return new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const read = (key: string) => String(metadata.get(key)[0] ?? '');
      const caller: Caller = {
        client: read('x-bff-client'),
        userId: read('x-bff-user-id'),
        scopes: read('x-bff-scopes'),
        requestId: read('x-request-id'),
      };
      if (!caller.userId) metadata.remove('x-bff-user-id');
      const ts = String(Date.now());
      metadata.set('x-bff-identity-ts', ts);
      metadata.set('x-bff-identity-sig', signed(caller, ts, backend, path));
      next(metadata, listener);
    },
  });
};

/**
 * Mesh's gRPC transport, with the interceptor added to the channel options it hands to grpc-js
 * (a function: the supergraph's transport directives, which `transportEntries` feed, cannot carry one).
 */
const grpcTransport: typeof meshGrpc = {
  getSubgraphExecutor(payload) {
    const options = payload.transportEntry.options as Record<string, unknown> & { channelOptions?: Record<string, unknown> };
    return meshGrpc.getSubgraphExecutor({
      ...payload,
      transportEntry: {
        ...payload.transportEntry,
        options: { ...options, channelOptions: { ...options.channelOptions, interceptors: [grpcIdentity] } },
      },
    });
  },
};

/** Plain transport options: every backend call's deadline, and the caller copied into each gRPC call's metadata. */
const transportEntries = {
  '*.rest': { options: { timeout: CALL_TIMEOUT_MS } },
  '*.grpc': {
    options: {
      requestTimeout: CALL_TIMEOUT_MS,
      metaData: {
        'x-request-id': ['caller', 'requestId'],
        'x-bff-client': ['caller', 'client'],
        'x-bff-user-id': ['caller', 'userId'],
        'x-bff-scopes': ['caller', 'scopes'],
      },
    },
  },
};

// ---- The sources, through Mesh's in-context SDK --------------------------------------------

type SdkCall = (options: {
  root: unknown;
  args?: Record<string, unknown>;
  context: Context;
  info: GraphQLResolveInfo;
  selectionSet: string;
  key?: string;
  argsFromKeys?: (keys: readonly string[]) => Record<string, unknown>;
  valuesFromResults?: (result: unknown, keys: readonly string[]) => unknown[];
}) => Promise<unknown>;
const sdk = (context: Context, source: string, field: string): SdkCall =>
  (context[source] as { Query: Record<string, SdkCall> }).Query[field]!;

interface Product {
  id: string;
  title: string;
  category: string;
  price: { amountCents: number; currency: string };
  images: { thumb: string; small: string };
  rating: number;
}
interface User {
  id: string;
  name: string;
  email: string;
  avatarUrl: string;
  tier: string;
}
interface Order {
  id: string;
  user_id: string;
  items: { product_id: string; quantity: number; unit_price_cents: number | string }[];
  status: string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  total_cents: number | string;
  currency: string;
}
interface OrderPage {
  orders: Order[] | null;
  next_page_token: string | null;
  total_size: number | null;
}

// listProducts answers one of two page shapes (with or without a cursor): both are selected.
const products = (fields: string) =>
  `{ ... on Catalog_query_listProducts_oneOf_0_oneOf_0 { products { ${fields} } } ... on Catalog_query_listProducts_oneOf_0_oneOf_1 { products { ${fields} } } }`;
const PRODUCT_FIELDS = 'id title category price { amountCents currency } images { thumb small } rating';
const ORDER_FIELDS =
  'orders { id user_id status created_at_ms updated_at_ms total_cents currency items { product_id quantity unit_price_cents } }';

/** Results in key order, null for a missing key (or the batch's error for every key). */
const byKeys =
  <T extends { id?: string; product_id?: string }>(list: (result: unknown) => T[] | null | undefined) =>
  (result: unknown, keys: readonly string[]) => {
    if (result instanceof Error) return keys.map(() => result);
    const map = new Map((list(result) ?? []).map((v) => [v.id ?? v.product_id, v]));
    return keys.map((k) => map.get(k) ?? null);
  };

/** One catalog call per query level for every product asked for in it. */
const productById = (context: Context, info: GraphQLResolveInfo, root: unknown, id: string) =>
  sdk(
    context,
    'catalog',
    'listProducts',
  )({
    root,
    context,
    info,
    key: id,
    argsFromKeys: (ids) => ({ ids: ids.join(',') }),
    valuesFromResults: byKeys((r) => (r as { products?: Product[] }).products),
    selectionSet: products(PRODUCT_FIELDS),
  }) as Promise<Product | null>;

const userById = (context: Context, info: GraphQLResolveInfo, root: unknown, id: string) =>
  sdk(
    context,
    'users',
    'getUsersByIds',
  )({
    root,
    context,
    info,
    key: id,
    argsFromKeys: (ids) => ({ ids: ids.join(',') }),
    valuesFromResults: byKeys((r) => (r as { users?: User[] }).users),
    selectionSet: '{ ... on Users_getUsersByIds_200_response { users { id name email avatarUrl tier } } }',
  }) as Promise<User | null>;

const stockOf = (context: Context, info: GraphQLResolveInfo, root: unknown, productId: string) =>
  sdk(
    context,
    'inventory',
    'shop_inventory_v1_InventoryService_BatchGetStock',
  )({
    root,
    context,
    info,
    key: productId,
    argsFromKeys: (ids) => ({ input: { product_ids: ids } }),
    valuesFromResults: byKeys((r) => (r as { stocks?: { product_id: string; total_available: number }[] }).stocks),
    selectionSet: '{ stocks { product_id total_available } }',
  }) as Promise<{ product_id: string; total_available: number | null } | null>;

// ---- The client's shapes (as bench/handwritten/shop.ts writes them) -------------------------

const money = new Map<string, Intl.NumberFormat>();
function formatMoney(amountCents: number, currency: string): string {
  let format = money.get(currency);
  if (!format) money.set(currency, (format = new Intl.NumberFormat('en-IE', { style: 'currency', currency })));
  return format.format(amountCents / 100);
}
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
function relativeTime(atMs: number, nowMs: number): string {
  const delta = atMs - nowMs;
  for (const [unit, ms] of UNITS) if (Math.abs(delta) >= ms) return relative.format(Math.trunc(delta / ms), unit);
  return 'just now';
}
const statusOf = (grpcStatus: string) => grpcStatus.replace(/^ORDER_STATUS_/, '');
const LABELS: Record<string, string> = {
  PENDING: 'Pending',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};
const stockBadge = (available: number | null | undefined) =>
  !available || available <= 0 ? 'OUT_OF_STOCK' : available < 5 ? 'LOW_STOCK' : 'IN_STOCK';
const THUMBNAILS_PER_ORDER = 3;
const moneyOf = (amountCents: number, currency: string) => ({ amountCents, currency, formatted: formatMoney(amountCents, currency) });
const itemCount = (order: Order) => order.items.reduce((n, item) => n + item.quantity, 0);

// ---- Mobile: the Home screen ----------------------------------------------------------------

const mobileTypeDefs = /* GraphQL */ `
  enum OrderStatus { PENDING PAID SHIPPED DELIVERED CANCELLED }
  enum StockBadge { IN_STOCK LOW_STOCK OUT_OF_STOCK }
  type MobileViewer { id: ID! firstName: String! avatarUrl: String! }
  type OrderRow { id: ID! status: OrderStatus! statusLabel: String! placed: String! total: String! itemCount: Int! thumbnails: [String!] }
  type ProductCard { id: ID! title: String! price: String! imageUrl: String! rating: Float! stock: StockBadge }
  type Home { viewer: MobileViewer recentOrders(first: Int = 5): [OrderRow!] featured(first: Int = 6): [ProductCard!] }
  extend type Query { home: Home! }
`;

const mobileResolvers = {
  Query: { home: () => ({}) },
  Home: {
    viewer: async (root: unknown, _: unknown, context: Context, info: GraphQLResolveInfo) => {
      if (!context.caller.userId) return null;
      const user = await userById(context, info, root, context.caller.userId);
      return user ? { id: user.id, firstName: user.name.split(' ')[0] ?? user.name, avatarUrl: user.avatarUrl } : null;
    },
    recentOrders: async (root: unknown, args: { first: number }, context: Context, info: GraphQLResolveInfo) => {
      if (!context.caller.userId) return [];
      const page = (await sdk(
        context,
        'orders',
        'shop_orders_v1_OrdersService_ListUserOrders',
      )({
        root,
        args: { input: { user_id: context.caller.userId, page_size: args.first } },
        context,
        info,
        selectionSet: `{ ${ORDER_FIELDS} }`,
      })) as OrderPage;
      return (page.orders ?? []).map((order) => {
        const status = statusOf(order.status);
        return {
          id: order.id,
          status,
          statusLabel: LABELS[status] ?? status,
          placed: relativeTime(Number(order.created_at_ms), context.now),
          total: formatMoney(Number(order.total_cents), order.currency),
          itemCount: itemCount(order),
          thumbnailProductIds: order.items.slice(0, THUMBNAILS_PER_ORDER).map((item) => item.product_id),
        };
      });
    },
    featured: async (root: unknown, args: { first: number }, context: Context, info: GraphQLResolveInfo) => {
      const page = (await sdk(
        context,
        'catalog',
        'listProducts',
      )({
        root,
        args: { limit: args.first, sort: 'rating_desc' },
        context,
        info,
        selectionSet: products(PRODUCT_FIELDS),
      })) as { products: Product[] };
      return page.products.map((product) => ({
        id: product.id,
        title: product.title,
        price: formatMoney(product.price.amountCents, product.price.currency),
        imageUrl: product.images.small,
        rating: product.rating,
      }));
    },
  },
  OrderRow: {
    thumbnails: async (row: { thumbnailProductIds: string[] }, _: unknown, context: Context, info: GraphQLResolveInfo) => {
      const found = await Promise.all(row.thumbnailProductIds.map((id) => productById(context, info, row, id)));
      return found.flatMap((p) => (p && !(p instanceof Error) ? [p.images.thumb] : []));
    },
  },
  ProductCard: {
    stock: async (card: { id: string }, _: unknown, context: Context, info: GraphQLResolveInfo) =>
      stockBadge((await stockOf(context, info, card, card.id))?.total_available),
  },
};

// ---- Web: the orders table ------------------------------------------------------------------

const webTypeDefs = /* GraphQL */ `
  enum OrderStatus { PENDING PAID SHIPPED DELIVERED CANCELLED }
  enum CustomerTier { STANDARD GOLD PLATINUM }
  type Money { amountCents: Int! currency: String! formatted: String! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type OrderConnection { nodes: [Order!]! pageInfo: PageInfo! totalCount: Int! }
  type Order {
    id: ID!
    status: OrderStatus!
    createdAt: String!
    updatedAt: String!
    total: Money!
    itemCount: Int!
    customer: Customer
    items: [LineItem!]!
  }
  type Customer { id: ID! name: String! tier: CustomerTier! email: String }
  type LineItem { product: Product quantity: Int! unitPrice: Money! subtotal: Money! }
  type ImageSet { thumb: String! small: String! }
  type Stock { totalAvailable: Int! }
  type Product { id: ID! title: String! category: String! images: ImageSet! stock: Stock }
  extend type Query { orders(first: Int = 20, after: String, status: OrderStatus): OrderConnection }
`;

const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
const scopesOf = (context: Context) => context.caller.scopes.split(' ');

const webResolvers = {
  Query: {
    orders: async (root: unknown, args: { first: number; after?: string | null }, context: Context, info: GraphQLResolveInfo) => {
      if (!scopesOf(context).includes('orders:read:all')) throw forbidden('This needs the orders:read:all scope.');
      const page = (await sdk(
        context,
        'orders',
        'shop_orders_v1_OrdersService_ListRecentOrders',
      )({
        root,
        args: { input: { page_size: args.first, ...(args.after && { page_token: args.after }) } },
        context,
        info,
        selectionSet: `{ ${ORDER_FIELDS} next_page_token total_size }`,
      })) as OrderPage;
      const token = page.next_page_token ?? '';
      return {
        nodes: page.orders ?? [],
        totalCount: page.total_size ?? 0,
        pageInfo: { hasNextPage: token !== '', endCursor: token || null },
      };
    },
  },
  Order: {
    status: (order: Order) => statusOf(order.status),
    createdAt: (order: Order) => new Date(Number(order.created_at_ms)).toISOString(),
    updatedAt: (order: Order) => new Date(Number(order.updated_at_ms)).toISOString(),
    itemCount,
    total: (order: Order) => moneyOf(Number(order.total_cents), order.currency),
    customer: (order: Order, _: unknown, context: Context, info: GraphQLResolveInfo) => userById(context, info, order, order.user_id),
    items: (order: Order) => order.items.map((item) => ({ ...item, currency: order.currency })),
  },
  Customer: {
    tier: (user: User) => user.tier.toUpperCase(),
    email: (user: User, _: unknown, context: Context) =>
      scopesOf(context).includes('customers:read') || context.caller.userId === user.id ? user.email : null,
  },
  LineItem: {
    product: (item: { product_id: string }, _: unknown, context: Context, info: GraphQLResolveInfo) =>
      productById(context, info, item, item.product_id),
    unitPrice: (item: { unit_price_cents: number | string; currency: string }) => moneyOf(Number(item.unit_price_cents), item.currency),
    subtotal: (item: { unit_price_cents: number | string; quantity: number; currency: string }) =>
      moneyOf(Number(item.unit_price_cents) * item.quantity, item.currency),
  },
  Product: {
    stock: async (product: Product, _: unknown, context: Context, info: GraphQLResolveInfo) => {
      const stock = await stockOf(context, info, product, product.id);
      return stock?.total_available == null ? null : { totalAvailable: stock.total_available };
    },
  },
};

// ---- The gateway --------------------------------------------------------------------------

const gateway = createGatewayRuntime<Context>({
  supergraph,
  additionalTypeDefs: client === 'web' ? webTypeDefs : mobileTypeDefs,
  additionalResolvers: (client === 'web' ? webResolvers : mobileResolvers) as never,
  transports: { grpc: grpcTransport, rest: meshRest },
  transportEntries,
  plugins: () => [identityPlugin],
  logging: env.LOG_LEVEL === 'debug' ? 'debug' : 'error',
  landingPage: false,
  graphiql: false,
  maskedErrors: env.HIVE_DEBUG !== '1',
});
const server = createServer(gateway);
server.listen(Number(env.BFF_PORT ?? 0), env.BFF_HOST ?? '127.0.0.1');
const stop = () => {
  server.close();
  void Promise.resolve(gateway.dispose()).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
