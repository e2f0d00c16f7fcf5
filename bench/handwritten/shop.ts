/**
 * What a team would write in a day to talk to the demo shop's backends without this kit: the
 * shared part of the benchmark's `stock` (Apollo Server) and `lean` (node:http) contenders.
 * It imports nothing from `src/` or `bff-*`: undici for REST, @grpc/grpc-js (with
 * proto-loader, as grpc-node's examples load protos) for gRPC, jose for the access token,
 * node:crypto for the signed identity every demo backend requires, and the same shapes as
 * the BFFs written out again.
 *
 * Configured by the same environment as a BFF (USERS_URL, CATALOG_URL, ORDERS_ADDR,
 * INVENTORY_ADDR, JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, IDENTITY_HMAC_SECRET, BFF_HOST, BFF_PORT).
 * Happy path only: a failed call fails the request with a plain message.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Pool } from 'undici';

const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new TypeError(`${name} is required`);
  return value;
};

export const settings = {
  host: env.BFF_HOST ?? '127.0.0.1',
  port: Number(env.BFF_PORT ?? 0),
  secret: need('IDENTITY_HMAC_SECRET'),
  /** Every backend call gets a deadline (ms). */
  callTimeoutMs: 10_000,
};

// ---- Access token (jose, one remote key set per process) ----------------------------------

const jwks = createRemoteJWKSet(new URL(need('JWKS_URL')));
const issuer = env.JWT_ISSUER ?? 'https://idp.demo.shop';
const audience = env.JWT_AUDIENCE ?? 'shop-bff';

export interface Viewer {
  client: 'mobile' | 'web';
  userId: string | undefined;
  scopes: string[];
}

/** @returns the viewer a bearer token names (anonymous without one); throws on a bad token. */
export async function viewerOf(authorization: string | undefined, client: Viewer['client']): Promise<Viewer> {
  if (!authorization) return { client, userId: undefined, scopes: [] };
  const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    algorithms: ['ES256', 'RS256'],
    clockTolerance: 30,
    requiredClaims: ['exp', 'sub'],
  });
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  return { client, userId: payload.sub, scopes };
}

// ---- Signed identity (backends/identity/verifyIdentity.ts describes the format) -----------

/** The headers one backend call carries: who is calling, signed for that backend and call. */
export function signedHeaders(viewer: Viewer, requestId: string, backend: string, call: string): Record<string, string> {
  const scopes = viewer.scopes.join(' ');
  const ts = String(Date.now());
  const sig = createHmac('sha256', settings.secret)
    .update([viewer.client, viewer.userId ?? '', scopes, requestId, ts, backend, call].join('\n'))
    .digest('base64url');
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-bff-client': viewer.client,
    'x-bff-scopes': scopes,
    'x-bff-identity-ts': ts,
    'x-bff-identity-sig': sig,
  };
  if (viewer.userId !== undefined) headers['x-bff-user-id'] = viewer.userId;
  return headers;
}

/** Who a request acts for, and its id: what every call of the request is signed with. */
export interface Caller {
  viewer: Viewer;
  requestId: string;
}

// ---- DTOs ----------------------------------------------------------------------------------

export interface Product {
  id: string;
  title: string;
  price: { amountCents: number; currency: string };
  images: { thumb: string; small: string };
  category: string;
  rating: number;
}
export interface User {
  id: string;
  name: string;
  email: string;
  avatarUrl: string;
  tier: string;
}
export interface Order {
  id: string;
  userId: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
  status: string;
  createdAtMs: number;
  updatedAtMs: number;
  totalCents: number;
  currency: string;
}
export interface OrderPage {
  orders: Order[];
  nextPageToken: string;
  totalSize: number;
}
export interface Stock {
  productId: string;
  totalAvailable: number;
}

// ---- REST (undici) -------------------------------------------------------------------------

const pools = new Map<string, Pool>();
function poolOf(baseUrl: string): Pool {
  let pool = pools.get(baseUrl);
  if (!pool) pools.set(baseUrl, (pool = new Pool(new URL(baseUrl).origin, { connections: 16, keepAliveTimeout: 30_000 })));
  return pool;
}

async function getJson<T>(caller: Caller, backend: string, baseUrl: string, path: string): Promise<T> {
  const { statusCode, body } = await poolOf(baseUrl).request({
    method: 'GET',
    path,
    headers: { ...signedHeaders(caller.viewer, caller.requestId, backend, `GET ${path}`), accept: 'application/json' },
    headersTimeout: settings.callTimeoutMs,
    bodyTimeout: settings.callTimeoutMs,
  });
  if (statusCode !== 200) {
    await body.dump();
    throw new Error(`${backend} answered ${statusCode}`);
  }
  return (await body.json()) as T;
}

const ids = (list: readonly string[]) => list.map(encodeURIComponent).join(',');
const usersUrl = need('USERS_URL');
const catalogUrl = need('CATALOG_URL');

export const users = {
  async byIds(caller: Caller, list: readonly string[]): Promise<User[]> {
    return (await getJson<{ users: User[] }>(caller, 'users', usersUrl, `/users?ids=${ids(list)}`)).users;
  },
};
export const catalog = {
  async byIds(caller: Caller, list: readonly string[]): Promise<Product[]> {
    return (await getJson<{ products: Product[] }>(caller, 'catalog', catalogUrl, `/products?ids=${ids(list)}`)).products;
  },
  /** The catalog's best-rated page (the home screen's featured strip). */
  async topRated(caller: Caller, limit: number): Promise<Product[]> {
    return (await getJson<{ products: Product[] }>(caller, 'catalog', catalogUrl, `/products?limit=${limit}&sort=rating_desc`)).products;
  },
};

// ---- gRPC (grpc-js) ------------------------------------------------------------------------

function protoDir(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const candidate = fileURLToPath(new URL('protos/', dir));
    if (existsSync(candidate)) return candidate;
    if (fileURLToPath(dir) === '/') throw new Error('protos/ not found');
  }
}
const loaded = grpc.loadPackageDefinition(
  protoLoader.loadSync(['orders/v1/orders.proto', 'inventory/v1/inventory.proto'], {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [protoDir()],
  }),
) as unknown as {
  shop: {
    orders: { v1: { OrdersService: grpc.ServiceClientConstructor } };
    inventory: { v1: { InventoryService: grpc.ServiceClientConstructor } };
  };
};
const ordersStub = new loaded.shop.orders.v1.OrdersService(need('ORDERS_ADDR'), grpc.credentials.createInsecure());
const inventoryStub = new loaded.shop.inventory.v1.InventoryService(need('INVENTORY_ADDR'), grpc.credentials.createInsecure());

function unary<T>(caller: Caller, stub: grpc.Client, backend: string, method: string, request: unknown): Promise<T> {
  const fn = (stub as unknown as Record<string, grpc.MethodDefinition<unknown, unknown> & ((...args: unknown[]) => unknown)>)[method]!;
  const metadata = new grpc.Metadata();
  const headers = signedHeaders(caller.viewer, caller.requestId, backend, fn.path);
  for (const key in headers) metadata.set(key, headers[key]!);
  return new Promise<T>((resolve, reject) => {
    fn.call(stub, request, metadata, { deadline: Date.now() + settings.callTimeoutMs }, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(new Error(`${backend}: ${error.details}`)) : resolve(response),
    );
  });
}

export const orders = {
  listUserOrders: (caller: Caller, userId: string, pageSize: number) =>
    unary<OrderPage>(caller, ordersStub, 'orders', 'ListUserOrders', { userId, pageSize }),
  listRecentOrders: (caller: Caller, pageSize: number, pageToken: string | undefined) =>
    unary<OrderPage>(caller, ordersStub, 'orders', 'ListRecentOrders', { pageSize, ...(pageToken && { pageToken }) }),
};
export const inventory = {
  async batchGetStock(caller: Caller, productIds: readonly string[]): Promise<Stock[]> {
    return (await unary<{ stocks: Stock[] }>(caller, inventoryStub, 'inventory', 'BatchGetStock', { productIds })).stocks;
  },
};

export function closeClients(): Promise<unknown> {
  ordersStub.close();
  inventoryStub.close();
  return Promise.all([...pools.values()].map((pool) => pool.close()));
}

// ---- Shapes (the BFFs' own, written again) -------------------------------------------------

const money = new Map<string, Intl.NumberFormat>();
export function formatMoney(amountCents: number, currency: string): string {
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
export function relativeTime(atMs: number, nowMs: number): string {
  const delta = atMs - nowMs;
  for (const [unit, ms] of UNITS) if (Math.abs(delta) >= ms) return relative.format(Math.trunc(delta / ms), unit);
  return 'just now';
}

export const statusOf = (grpcStatus: string) => grpcStatus.replace(/^ORDER_STATUS_/, '');
const LABELS: Record<string, string> = {
  PENDING: 'Pending',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};
export const statusLabel = (status: string) => LABELS[status] ?? status;
export const stockBadge = (available: number | undefined) =>
  !available || available <= 0 ? 'OUT_OF_STOCK' : available < 5 ? 'LOW_STOCK' : 'IN_STOCK';
export const THUMBNAILS_PER_ORDER = 3;

export function orderRow(order: Order, now: number) {
  const status = statusOf(order.status);
  return {
    id: order.id,
    status,
    statusLabel: statusLabel(status),
    placed: relativeTime(order.createdAtMs, now),
    total: formatMoney(order.totalCents, order.currency),
    itemCount: order.items.reduce((n, item) => n + item.quantity, 0),
    thumbnailProductIds: order.items.slice(0, THUMBNAILS_PER_ORDER).map((item) => item.productId),
  };
}

export function productCard(product: Product) {
  return {
    id: product.id,
    title: product.title,
    price: formatMoney(product.price.amountCents, product.price.currency),
    imageUrl: product.images.small,
    rating: product.rating,
  };
}

export const moneyOf = (amountCents: number, currency: string) => ({
  amountCents,
  currency,
  formatted: formatMoney(amountCents, currency),
});
