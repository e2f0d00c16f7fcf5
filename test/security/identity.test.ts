/**
 * Identity propagation and ownership: backends see only the identity the BFF verified
 * (signed), never identity headers a client sends, and a viewer never reads another user's
 * orders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { identityHeaders } from '../../backends/identity/verifyIdentity.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { API_KEYS, API_KEYS_ENV } from './startSecuredBff.js';

const PROBE = '{ product(id: "p-00001") { id title } }';
const SPOOFED = {
  'x-bff-user-id': 'u-00001',
  'x-bff-scopes': 'orders:read:all customers:read',
  'x-bff-client': 'admin-console',
  'x-bff-identity-ts': String(Date.now()),
  'x-bff-identity-sig': 'forged',
};

let backends: BackendsProcess;
let mobile: RunningBff;
let web: RunningBff;
before(async () => {
  backends = await startBackendsProcess();
  [mobile, web] = await Promise.all([
    startBff('mobile', backends, { API_KEYS: API_KEYS_ENV }),
    startBff('web', backends, { API_KEYS: API_KEYS_ENV }),
  ]);
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close()]);
  await backends?.stop();
});

describe('identity propagation', () => {
  test('identity headers sent by an anonymous client never reach a backend', async () => {
    for (const bff of [mobile, web]) {
      const res = await gql(bff.url, PROBE, {}, SPOOFED);
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined);
      const { last } = (await backends.admin.stats()).catalog;
      assert.deepEqual(last?.identity, { client: bff.name, userId: null, scopes: [] });
    }
  });

  test("a signed-in user's spoofed headers are replaced by the verified identity", async () => {
    const token = await tokenFor(backends, 'u-00007');
    const res = await gql(mobile.url, '{ myOrders(first: 3) { orders { id } } }', {}, { ...SPOOFED, authorization: `Bearer ${token}` });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const identity = (await backends.admin.stats()).orders.last?.identity;
    assert.equal(identity?.userId, 'u-00007');
    assert.equal(identity?.client, 'mobile');
    assert.ok(!identity?.scopes.includes('orders:read:all'));
  });

  test("an API key's client and scopes are what backends see", async () => {
    const res = await gql(web.url, PROBE, {}, { 'x-api-key': API_KEYS.webPartner });
    assert.equal(res.status, 200);
    assert.deepEqual((await backends.admin.stats()).catalog.last?.identity, { client: 'acme-partner', userId: null, scopes: ['catalog:read'] });
  });

  test('a backend refuses a call whose identity signature is wrong', async () => {
    const fields = { client: 'mobile', userId: 'u-00001', scopes: '', requestId: 'r-1', ts: Date.now() };
    const forged = identityHeaders('not-the-shared-secret', fields);
    const res = await fetch(`${backends.urls.users}/users/u-00001`, { method: 'PATCH', headers: { ...forged, 'content-type': 'application/json' }, body: '{"name":"Mallory"}' });
    assert.equal(res.status, 401);
    const genuine = identityHeaders('dev-identity-secret-change-me', fields);
    const ok = await fetch(`${backends.urls.users}/users/u-00001`, { headers: genuine });
    assert.equal(ok.status, 200);
  });

  test('a BFF signing with another secret gets nothing from the backends', async () => {
    const rogue = await startBff('web', backends, { IDENTITY_HMAC_SECRET: 'a-different-secret-of-16+' });
    try {
      const res = await gql(rogue.url, PROBE);
      assert.equal((res.body.data as { product: unknown } | null)?.product ?? null, null);
      assert.ok(res.body.errors?.length, 'the refused backend call is an error beside the data');
    } finally {
      await rogue.close();
    }
  });
});

describe('ownership', () => {
  const ORDER = '{ order(id: $id) { id customer { id } } }'.replace('{ order', 'query ($id: ID!) { order');

  test("web order(id) is null for someone else's order and the order for its owner", async () => {
    const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
    const table = await gql<{ orders: { nodes: { id: string; customer: { id: string } }[] } }>(
      web.url, '{ orders(first: 20) { nodes { id customer { id } } } }', {}, { authorization: `Bearer ${staff}` });
    const theirs = table.body.data!.orders.nodes.find((o) => o.customer.id !== 'u-00007' && o.customer.id !== 'u-00001')!;
    assert.ok(theirs, 'the seed has orders of other users');

    const user = await tokenFor(backends, 'u-00007');
    const stolen = await gql(web.url, ORDER, { id: theirs.id }, { authorization: `Bearer ${user}` });
    assert.equal(stolen.status, 200);
    assert.deepEqual(stolen.body.data, { order: null });

    const owner = await tokenFor(backends, theirs.customer.id);
    const own = await gql(web.url, ORDER, { id: theirs.id }, { authorization: `Bearer ${owner}` });
    assert.deepEqual(own.body.data, { order: { id: theirs.id, customer: { id: theirs.customer.id } } });
  });

  test("the orders backend refuses another user's order list even when the BFF asks", async () => {
    // customers:read shows a customer's page; their orders still need orders:read:all,
    // and the orders service checks it against the signed identity.
    const token = await tokenFor(backends, 'u-00007', 'customers:read');
    const before = (await backends.admin.stats()).orders.byOperation.ListUserOrders ?? 0;
    const res = await gql<{ customer: { id: string; orders: unknown } }>(
      web.url, '{ customer(id: "u-00001") { id orders(first: 5) { nodes { id } } } }', {}, { authorization: `Bearer ${token}` });
    assert.equal(res.body.data?.customer.id, 'u-00001');
    assert.equal(res.body.data?.customer.orders, null);
    assert.deepEqual(res.body.errors?.[0]?.path, ['customer', 'orders']);
    assert.equal((await backends.admin.stats()).orders.byOperation.ListUserOrders, before + 1, 'the backend was asked and refused');
  });
});
