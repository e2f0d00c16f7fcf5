import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// A bad `after` cursor is a client error that names the argument: one that cannot be a cursor
// is refused before any backend call; one that looks like a cursor but was never given out is
// refused by the backend, and the BFF says it was the cursor (not "the orders service rejected the input").
let backends: BackendsProcess;
let web: RunningBff;
let mobile: RunningBff;
let staff: string;
let customer: string;
before(async () => {
  backends = await startBackendsProcess();
  [web, mobile] = await Promise.all([startBff('web', backends), startBff('mobile', backends)]);
  staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
  customer = await tokenFor(backends, 'u-00007');
});
after(async () => {
  await Promise.all([web?.close(), mobile?.close()]);
  await backends?.stop();
});

const ORDERS = 'query Q($after: String) { orders(first: 2, after: $after) { nodes { id } pageInfo { endCursor } } }';

for (const [what, cursor, calls] of [
  ['not a cursor at all', 'not a cursor!', 0],
  ['well-formed but never given out', 'bm9wZQ', 1],
] as const) {
  test(`web orders(after:) ${what}: BAD_USER_INPUT naming after, ${calls} backend call(s)`, async () => {
    const res = await gql(web.url, ORDERS, { after: cursor }, { authorization: `Bearer ${staff}` });
    const error = res.body.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(error?.extensions?.argument, 'after');
    assert.equal(error?.extensions?.reason, 'invalid_cursor');
    assert.match(error?.message ?? '', /^after is not a cursor/);
    assert.equal(res.body.extensions?.fanout?.totals.calls, calls);
  });
}

test('a cursor the API gave out still pages', async () => {
  const first = await gql<{ orders: { pageInfo: { endCursor: string } } }>(web.url, ORDERS, {}, { authorization: `Bearer ${staff}` });
  const next = await gql(web.url, ORDERS, { after: first.body.data!.orders.pageInfo.endCursor }, { authorization: `Bearer ${staff}` });
  assert.equal(next.body.errors, undefined);
});

test('mobile myOrders(after:) never given out: BAD_USER_INPUT naming after', async () => {
  const res = await gql(
    mobile.url,
    'query Q($after: String) { myOrders(first: 2, after: $after) { orders { id } } }',
    { after: 'bm9wZQ' },
    { authorization: `Bearer ${customer}` },
  );
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(res.body.errors?.[0]?.extensions?.argument, 'after');
});

test('web products(after:) that cannot be a cursor: refused before the catalog is asked', async () => {
  const res = await gql(web.url, 'query Q($after: String) { products(first: 2, after: $after) { nodes { id } } }', { after: '../etc' });
  assert.equal(res.body.errors?.[0]?.extensions?.argument, 'after');
  assert.equal(res.body.extensions?.fanout?.totals.calls, 0);
});
