import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seed } from '../../backends/seed/seedData.js';
import { HomeDocument, OrderHistoryDocument, ProductScreenDocument } from '../../bff-mobile/generated/operations.js';
import {
  CustomerPageDocument,
  OrdersTableDocument,
  ProductPageDocument,
  ProductsBrowseDocument,
} from '../../bff-web/generated/operations.js';
import { send } from '../fixtures/typedOperations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// The main screens of both clients, checked against the backends' seed data, in their
// device shapes. Read-only: nothing here changes backend state. Each screen is sent as the
// typed document codegen makes of its operation file, so what a test reads is typed by the
// schema (a field removed from an operation fails tsc here).

const USER = 'u-00007';
const STAFF_SCOPES = 'orders:read:all customers:read';
const usersById = new Map(seed.users.map((u) => [u.id, u]));
const productsById = new Map(seed.products.map((p) => [p.id, p]));
const stockById = new Map(seed.stock.map((s) => [s.productId, s]));
const ordersOf = (userId: string) => seed.orders.filter((o) => o.userId === userId).sort((a, b) => b.createdAtMs - a.createdAtMs);
const recentOrders = () => [...seed.orders].sort((a, b) => b.createdAtMs - a.createdAtMs);

let backends: BackendsProcess;
let mobile: RunningBff;
let web: RunningBff;
let userToken: string;
let staffToken: string;

before(async () => {
  backends = await startBackendsProcess();
  [mobile, web] = await Promise.all([startBff('mobile', backends), startBff('web', backends)]);
  userToken = await tokenFor(backends, USER);
  staffToken = await tokenFor(backends, 'u-00001', STAFF_SCOPES);
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close()]);
  await backends?.stop();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('bff-mobile', () => {
  test('Home: the viewer, their five latest orders with thumbnails, top-rated products with stock badges', async () => {
    const res = await send(mobile.url, HomeDocument, { recent: 5, featured: 6 }, auth(userToken));
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    const home = res.body.data!.home;
    const user = usersById.get(USER)!;
    assert.deepEqual(home.viewer, { id: USER, firstName: user.name.split(' ')[0], avatarUrl: user.avatarUrl });

    const expected = ordersOf(USER).slice(0, 5);
    assert.deepEqual(
      home.recentOrders!.map((o) => o.id),
      expected.map((o) => o.id),
    );
    const first = home.recentOrders![0]!;
    const firstSeed = expected[0]!;
    assert.equal(
      first.itemCount,
      firstSeed.items.reduce((n, i) => n + i.quantity, 0),
    );
    assert.equal(first.total, new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(firstSeed.totalCents / 100));
    assert.deepEqual(
      first.thumbnails,
      firstSeed.items.slice(0, 3).map((i) => productsById.get(i.productId)!.images.thumb),
    );
    assert.match(first.placed, /ago$/);

    assert.equal(home.featured!.length, 6);
    for (const card of home.featured!) {
      const product = productsById.get(card.id)!;
      assert.equal(card.title, product.title);
      assert.equal(card.imageUrl, product.images.small);
      const available = stockById.get(card.id)?.totalAvailable ?? 0;
      assert.equal(card.stock, available === 0 ? 'OUT_OF_STOCK' : available < 5 ? 'LOW_STOCK' : 'IN_STOCK');
    }
    const ratings = home.featured!.map((c) => c.rating);
    assert.deepEqual(
      ratings,
      [...ratings].sort((a: number, b: number) => b - a),
    );
  });

  test('Home for an anonymous viewer: no viewer, no orders, still featured products', async () => {
    const res = await send(mobile.url, HomeDocument, {});
    assert.equal(res.status, 200);
    assert.equal(res.body.data!.home.viewer, null);
    assert.deepEqual(res.body.data!.home.recentOrders, []);
    assert.equal(res.body.data!.home.featured!.length, 6);
  });

  test('ProductScreen: medium image, description cut to 280 characters, rating and top reviews', async () => {
    const id = 'p-00042';
    const res = await send(mobile.url, ProductScreenDocument, { id });
    assert.equal(res.body.errors, undefined);
    const screen = res.body.data!.product!;
    const product = productsById.get(id)!;
    assert.equal(screen.title, product.title);
    assert.deepEqual(screen.images, [product.images.medium]);
    assert.ok(screen.description.length <= 280);
    assert.ok(product.description.startsWith(screen.description.replace(/…$/, '')));
    const summary = seed.summaries.get(id)!;
    assert.equal(screen.rating!.count, summary.count);
    assert.deepEqual(
      screen.topReviews!.map((r) => r.title),
      (seed.reviews.get(id) ?? []).slice(0, 3).map((r) => r.title),
    );
  });

  test('ProductScreen of an unknown product is null, without an error', async () => {
    const res = await send(mobile.url, ProductScreenDocument, { id: 'p-99999' });
    assert.equal(res.body.data!.product, null);
    assert.equal(res.body.errors, undefined);
  });

  test('OrderHistory pages through the viewer own orders with an opaque cursor', async () => {
    const all = ordersOf(USER);
    const page1 = await send(mobile.url, OrderHistoryDocument, { first: 4 }, auth(userToken));
    assert.deepEqual(
      page1.body.data!.myOrders!.orders.map((o) => o.id),
      all.slice(0, 4).map((o) => o.id),
    );
    const cursor = page1.body.data!.myOrders!.nextCursor;
    assert.equal(typeof cursor, 'string');
    const page2 = await send(mobile.url, OrderHistoryDocument, { first: 4, after: cursor }, auth(userToken));
    assert.deepEqual(
      page2.body.data!.myOrders!.orders.map((o) => o.id),
      all.slice(4, 8).map((o) => o.id),
    );
  });

  test('OrderHistory without a signed-in user is UNAUTHENTICATED', async () => {
    const res = await send(mobile.url, OrderHistoryDocument, {});
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

describe('bff-web', () => {
  test('OrdersTable: the 50 most recent orders with customers, items, products and stock', async () => {
    const res = await send(web.url, OrdersTableDocument, { first: 50 }, auth(staffToken));
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    const table = res.body.data!.orders!;
    const expected = recentOrders().slice(0, 50);
    assert.equal(table.totalCount, seed.orders.length);
    assert.equal(table.pageInfo.hasNextPage, true);
    assert.deepEqual(
      table.nodes.map((o) => o.id),
      expected.map((o) => o.id),
    );
    for (const [i, order] of table.nodes.entries()) {
      const s = expected[i]!;
      assert.equal(order.customer!.name, usersById.get(s.userId)!.name);
      assert.equal(order.customer!.email, usersById.get(s.userId)!.email);
      assert.equal(order.total.amountCents, s.totalCents);
      assert.equal(order.createdAt, new Date(s.createdAtMs).toISOString());
      assert.deepEqual(
        order.items.map((it) => [it.product?.id, it.product?.title, it.quantity, it.product?.stock?.totalAvailable ?? null]),
        s.items.map((it) => [
          it.productId,
          productsById.get(it.productId)!.title,
          it.quantity,
          stockById.get(it.productId)?.totalAvailable ?? null,
        ]),
      );
    }
  });

  test('ProductPage: full images, per-warehouse stock, review summary and reviews', async () => {
    const id = 'p-00042';
    const res = await send(web.url, ProductPageDocument, { id, reviews: 5 });
    assert.equal(res.body.errors, undefined);
    const page = res.body.data!.product!;
    const product = productsById.get(id)!;
    assert.equal(page.description, product.description);
    assert.deepEqual(page.images, product.images);
    assert.deepEqual(
      page.stock!.warehouses.map((w) => [w.warehouseId, w.available]),
      stockById.get(id)!.warehouses.map((w) => [w.warehouseId, w.available]),
    );
    const summary = seed.summaries.get(id)!;
    assert.deepEqual(page.reviewSummary, { averageRating: summary.averageRating, count: summary.count, histogram: summary.histogram });
    assert.deepEqual(
      page.reviews!.map((r) => r.id),
      (seed.reviews.get(id) ?? []).slice(0, 5).map((r) => r.id),
    );
  });

  test('CustomerPage: staff see contact details and the customer orders', async () => {
    const id = 'u-00007';
    const res = await send(web.url, CustomerPageDocument, { id, first: 20 }, auth(staffToken));
    assert.equal(res.body.errors, undefined);
    const customer = res.body.data!.customer!;
    const user = usersById.get(id)!;
    assert.equal(customer.email, user.email);
    assert.deepEqual(customer.address, user.address);
    assert.equal(customer.tier, user.tier.toUpperCase());
    assert.deepEqual(
      customer.orders!.nodes.map((o) => o.id),
      ordersOf(id)
        .slice(0, 20)
        .map((o) => o.id),
    );
  });

  test('ProductsBrowse filters by category and sorts by price', async () => {
    const category = seed.products[0]!.category;
    const res = await send(web.url, ProductsBrowseDocument, { category, sort: 'PRICE_ASC', first: 10 });
    assert.equal(res.body.errors, undefined);
    const nodes = res.body.data!.products!.nodes;
    const expected = seed.products.filter((p) => p.category === category);
    assert.equal(res.body.data!.products!.totalCount, expected.length);
    assert.ok(nodes.every((p) => p.category === category));
    const prices = nodes.map((p) => productsById.get(p.id)!.price.amountCents);
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
    );
  });

  test('the orders table needs the staff scope: a customer gets FORBIDDEN', async () => {
    const res = await send(web.url, OrdersTableDocument, { first: 10 }, auth(userToken));
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });
});

describe('device shapes', () => {
  test('mobile responses are smaller than web responses for the same entities', async () => {
    const id = 'p-00042';
    const mobileProduct = await send(mobile.url, ProductScreenDocument, { id });
    const webProduct = await send(web.url, ProductPageDocument, { id, reviews: 3 });
    const size = (body: unknown) => Buffer.byteLength(JSON.stringify((body as { data: unknown }).data));
    assert.ok(size(mobileProduct.body) < size(webProduct.body), `${size(mobileProduct.body)} < ${size(webProduct.body)}`);

    // The same ten orders of one customer: the mobile history vs the dashboard's customer page.
    const mobileOrders = await send(mobile.url, OrderHistoryDocument, { first: 10 }, auth(userToken));
    const webOrders = await send(web.url, CustomerPageDocument, { id: USER, first: 10 }, auth(staffToken));
    assert.ok(size(mobileOrders.body) < size(webOrders.body), `${size(mobileOrders.body)} < ${size(webOrders.body)}`);
  });
});
