/**
 * The lean floor: the benchmark's two operations answered by hand on `node:http`, with no
 * GraphQL and no code of this kit (bench/handwritten/shop.ts: undici, grpc-js, jose,
 * node:crypto), making the same backend calls in the same order as the BFF and returning the
 * same `data`, serialised with JSON.stringify. It is what a BFF that does nothing but these
 * two screens costs: every other contender pays for its generality on top of it.
 *
 *   POST /graphql  {"operationName": "Home" | "OrdersTable", "variables": {...}}
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import {
  catalog,
  closeClients,
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
  type Product,
} from '../handwritten/shop.js';

type Variables = Record<string, unknown>;
const int = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

async function home(caller: Caller, variables: Variables, now: number): Promise<unknown> {
  const userId = caller.viewer.userId;
  if (userId === undefined) throw new Error('Sign in to see this.');
  const featured = catalog.topRated(caller, int(variables.featured, 6)).then(async (products) => {
    const stocks = products.length
      ? await inventory.batchGetStock(
          caller,
          products.map((p) => p.id),
        )
      : [];
    const available = new Map(stocks.map((s) => [s.productId, s.totalAvailable]));
    return { products, cards: products.map((p) => ({ ...productCard(p), stock: stockBadge(available.get(p.id)) })) };
  });
  const [[user], page, { products: featuredProducts, cards }] = await Promise.all([
    users.byIds(caller, [userId]),
    orders.listUserOrders(caller, userId, int(variables.recent, 5)),
    featured,
  ]);
  const rows = page.orders.map((order) => orderRow(order, now));
  const products = new Map<string, Product>(featuredProducts.map((p) => [p.id, p]));
  const missing = [...new Set(rows.flatMap((row) => row.thumbnailProductIds))].filter((id) => !products.has(id));
  if (missing.length) for (const p of await catalog.byIds(caller, missing)) products.set(p.id, p);
  return {
    home: {
      viewer: user ? { id: user.id, firstName: user.name.split(' ')[0] ?? user.name, avatarUrl: user.avatarUrl } : null,
      recentOrders: rows.map(({ thumbnailProductIds, ...row }) => ({
        ...row,
        thumbnails: thumbnailProductIds.flatMap((id) => products.get(id)?.images.thumb ?? []),
      })),
      featured: cards,
    },
  };
}

async function ordersTable(caller: Caller, variables: Variables): Promise<unknown> {
  const scopes = caller.viewer.scopes;
  if (!scopes.includes('orders:read:all')) throw new Error('This needs the orders:read:all scope.');
  const after = typeof variables.after === 'string' && variables.after ? variables.after : undefined;
  const page = await orders.listRecentOrders(caller, int(variables.first, 50), after);
  const userIds = [...new Set(page.orders.map((o) => o.userId))];
  const productIds = [...new Set(page.orders.flatMap((o) => o.items.map((i) => i.productId)))];
  const [userList, productList] = await Promise.all([
    userIds.length ? users.byIds(caller, userIds) : [],
    productIds.length ? catalog.byIds(caller, productIds) : [],
  ]);
  const stocks = productList.length
    ? await inventory.batchGetStock(
        caller,
        productList.map((p) => p.id),
      )
    : [];
  const usersById = new Map(userList.map((u) => [u.id, u]));
  const productsById = new Map(productList.map((p) => [p.id, p]));
  const stockById = new Map(stocks.map((s) => [s.productId, s.totalAvailable]));
  const seesContact = scopes.includes('customers:read');
  return {
    orders: {
      totalCount: page.totalSize,
      pageInfo: { hasNextPage: page.nextPageToken !== '', endCursor: page.nextPageToken || null },
      nodes: page.orders.map((order) => {
        const user = usersById.get(order.userId);
        return {
          id: order.id,
          status: statusOf(order.status),
          createdAt: new Date(order.createdAtMs).toISOString(),
          updatedAt: new Date(order.updatedAtMs).toISOString(),
          itemCount: order.items.reduce((n, item) => n + item.quantity, 0),
          total: moneyOf(order.totalCents, order.currency),
          customer: user
            ? {
                id: user.id,
                name: user.name,
                email: seesContact || caller.viewer.userId === user.id ? user.email : null,
                tier: user.tier.toUpperCase(),
              }
            : null,
          items: order.items.map((item) => {
            const product = productsById.get(item.productId);
            const stock = product ? stockById.get(product.id) : undefined;
            const unit = moneyOf(item.unitPriceCents, order.currency);
            return {
              quantity: item.quantity,
              unitPrice: { amountCents: unit.amountCents, formatted: unit.formatted },
              subtotal: { formatted: moneyOf(item.unitPriceCents * item.quantity, order.currency).formatted },
              product: product
                ? {
                    id: product.id,
                    title: product.title,
                    category: product.category,
                    images: { thumb: product.images.thumb },
                    stock: stock === undefined ? null : { totalAvailable: stock },
                  }
                : null,
            };
          }),
        };
      }),
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((req, res) => {
  const now = Date.now();
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  void (async () => {
    if (req.method !== 'POST') return send(404, { errors: [{ message: 'POST only' }] });
    const body = JSON.parse(await readBody(req)) as { operationName?: string; variables?: Variables };
    const variables = body.variables ?? {};
    const client = body.operationName === 'Home' ? 'mobile' : 'web';
    const caller: Caller = { viewer: await viewerOf(req.headers.authorization, client), requestId: randomUUID() };
    if (body.operationName === 'Home') return send(200, { data: await home(caller, variables, now) });
    if (body.operationName === 'OrdersTable') return send(200, { data: await ordersTable(caller, variables) });
    return send(404, { errors: [{ message: `No operation "${body.operationName}".` }] });
  })().catch((error: unknown) => send(500, { errors: [{ message: (error as Error).message }] }));
});
server.keepAliveTimeout = 65_000;
server.listen(settings.port, settings.host);
const stop = () => server.close(() => void closeClients().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
