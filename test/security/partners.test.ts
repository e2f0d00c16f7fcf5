import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { scopesOf } from '../../src/auth/accessTokenClaims.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';
import { post, startSecuredBff } from './startSecuredBff.js';
import { createTestIssuer, type TestIssuer } from './testIssuer.js';

// Resource-server completeness: `scp` arrays, `typ: at+jwt`, client-credentials tokens from the
// real demo IdP, and API keys whose scopes satisfy `@auth(scopes: …)` fields, on both BFFs.

const STAFF_ORDERS = '{ orders(first: 2) { nodes { id } } }';
const MY_ORDER = 'query($id: ID!) { order(id: $id) { id } }';
const MY_ORDERS_MOBILE = '{ myOrders(first: 1) { orders { id } } }';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
const STAFF_KEY = 'sk_test_staff_reports_0123456789';
const CATALOG_KEY = 'ck_test_catalog_only_0123456789';
const KEYS = JSON.stringify([
  {
    client: 'acme-reports-key',
    sha256: sha256(STAFF_KEY),
    bffs: ['web', 'mobile'],
    plan: 'partner',
    scopes: ['orders:read:all', 'customers:read'],
  },
  { client: 'catalog-key', sha256: sha256(CATALOG_KEY), bffs: ['web', 'mobile'], plan: 'partner', scopes: ['catalog:read'] },
]);

let backends: BackendsProcess;
let issuer: TestIssuer;
let web: RunningBff;
let mobile: RunningBff;

before(async () => {
  backends = await startBackendsProcess();
  issuer = await createTestIssuer();
  web = await startBff('web', backends, { API_KEYS: KEYS });
  mobile = await startBff('mobile', backends, { API_KEYS: KEYS });
});
after(async () => {
  await Promise.all([web?.close(), mobile?.close()]);
  await backends?.stop();
});

/** A client-credentials token from the demo IdP's token endpoint (client_secret_basic). */
async function clientCredentials(clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${backends.urls.idp}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;
const reasonOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.reason;

test('scopes come from `scope` (space-separated) or `scp` (array), and both together', () => {
  assert.deepEqual([...scopesOf({ scope: 'a b  c' })], ['a', 'b', 'c']);
  assert.deepEqual([...scopesOf({ scp: ['a', 'b'] })], ['a', 'b']);
  assert.deepEqual([...scopesOf({ scope: 'a', scp: ['b'] })], ['a', 'b']);
  assert.deepEqual([...scopesOf({ scp: 'a b' })], ['a', 'b']);
  assert.deepEqual([...scopesOf({ scp: [1, { x: 1 }, 'has space', ''] as unknown as string[] })], []);
  assert.deepEqual([...scopesOf({ scope: 7 as unknown as string })], []);
});

test('an `scp` array grants the staff scopes on bff-web; without them the same user is refused', async () => {
  const bff = await startSecuredBff('web', backends, issuer);
  try {
    const scp = await issuer.sign('u-00001', { scope: undefined, scp: ['orders:read:all', 'customers:read'] });
    const granted = await post(bff.url, { query: STAFF_ORDERS }, { authorization: `Bearer ${scp}` });
    assert.equal(granted.status, 200, granted.text);
    assert.equal((granted.body.data as { orders: { nodes: unknown[] } }).orders.nodes.length, 2);
    const plain = await issuer.sign('u-00001', { scope: undefined, scp: ['orders:read:self'] });
    const refused = await post(bff.url, { query: STAFF_ORDERS }, { authorization: `Bearer ${plain}` });
    assert.equal(refused.status, 403);
    assert.equal(codeOf(refused.body), 'FORBIDDEN');
  } finally {
    await bff.close();
  }
});

test('typ at+jwt is accepted always, and required when JWT_REQUIRE_AT_JWT is set', async () => {
  const lenient = await startSecuredBff('mobile', backends, issuer);
  const strict = await startSecuredBff('mobile', backends, issuer, { JWT_REQUIRE_AT_JWT: 'true' });
  try {
    const atJwt = await issuer.sign('u-00007', {}, { typ: 'at+jwt' });
    const plainJwt = await issuer.sign('u-00007');
    const mediaType = await issuer.sign('u-00007', {}, { typ: 'application/at+jwt' });
    for (const bff of [lenient, strict]) {
      const ok = await post(bff.url, { query: MY_ORDERS_MOBILE }, { authorization: `Bearer ${atJwt}` });
      assert.equal(ok.status, 200, ok.text);
    }
    assert.equal((await post(lenient.url, { query: MY_ORDERS_MOBILE }, { authorization: `Bearer ${plainJwt}` })).status, 200);
    const refused = await post(strict.url, { query: MY_ORDERS_MOBILE }, { authorization: `Bearer ${plainJwt}` });
    assert.equal(refused.status, 401);
    assert.equal(codeOf(refused.body), 'UNAUTHENTICATED');
    // RFC 9068 allows the full media type too; jose compares it without the `application/` prefix.
    assert.equal((await post(strict.url, { query: MY_ORDERS_MOBILE }, { authorization: `Bearer ${mediaType}` })).status, 200);
  } finally {
    await Promise.all([lenient.close(), strict.close()]);
  }
});

test('the IdP issues client-credentials tokens only to an authenticated client allowed that grant', async () => {
  const ok = await clientCredentials('acme-reports', 'acme-reports-dev-secret');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, 'Bearer');
  assert.equal(ok.body.refresh_token, undefined, 'no refresh token for client credentials');
  const wrongSecret = await clientCredentials('acme-reports', 'nope');
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.error, 'invalid_client');
  const notAllowed = await clientCredentials('bff-web', 'bff-web-dev-secret');
  assert.equal(notAllowed.status, 400);
  assert.equal(notAllowed.body.error, 'unauthorized_client');
});

test('a client-credentials token reads the staff list on bff-web, but never a field that needs a person', async () => {
  const { body } = await clientCredentials('acme-reports', 'acme-reports-dev-secret');
  const authorization = `Bearer ${body.access_token as string}`;
  const before = await backends.admin.stats();
  const list = await post(web.url, { query: STAFF_ORDERS }, { authorization });
  assert.equal(list.status, 200, list.text);
  assert.equal((list.body.data as { orders: { nodes: unknown[] } }).orders.nodes.length, 2);

  const person = await post(web.url, { query: MY_ORDER, variables: { id: 'o-1' } }, { authorization });
  assert.equal(person.status, 401);
  assert.equal(codeOf(person.body), 'UNAUTHENTICATED');
  assert.equal(reasonOf(person.body), 'no_user');
  assert.equal(person.body.errors?.[0]?.extensions?.field, 'Query.order');
  const onMobile = await post(mobile.url, { query: MY_ORDERS_MOBILE }, { authorization });
  assert.equal(onMobile.status, 401, 'mobile has only person fields: a machine client gets none of them');
  const afterCalls = await backends.admin.stats();
  assert.equal(afterCalls.users.calls, before.users.calls, 'refused operations made no user call');
});

test('an API key with scopes satisfies @auth(scopes) fields; one without the scope is FORBIDDEN; bare @auth stays a 401', async () => {
  const list = await post(web.url, { query: STAFF_ORDERS }, { 'x-api-key': STAFF_KEY });
  assert.equal(list.status, 200, list.text);
  const customer = await post(web.url, { query: '{ customer(id: "u-00007") { id } }' }, { 'x-api-key': STAFF_KEY });
  assert.equal(customer.status, 200, customer.text);
  assert.deepEqual(customer.body.data, { customer: { id: 'u-00007' } });

  const lacking = await post(web.url, { query: STAFF_ORDERS }, { 'x-api-key': CATALOG_KEY });
  assert.equal(lacking.status, 403);
  assert.equal(codeOf(lacking.body), 'FORBIDDEN');

  for (const bff of [web, mobile]) {
    const query = bff === web ? MY_ORDER : MY_ORDERS_MOBILE;
    const person = await post(bff.url, { query, variables: bff === web ? { id: 'o-1' } : {} }, { 'x-api-key': STAFF_KEY });
    assert.equal(person.status, 401, `${bff.name}: ${person.text}`);
    assert.equal(codeOf(person.body), 'UNAUTHENTICATED');
  }
  // A staff list and a person field in one operation: the person field decides.
  const mixed = await post(web.url, { query: '{ orders(first: 1) { nodes { id } } order(id: "o-1") { id } }' }, { 'x-api-key': STAFF_KEY });
  assert.equal(mixed.status, 401);
  assert.equal(mixed.body.errors?.[0]?.extensions?.field, 'Query.order');
});
