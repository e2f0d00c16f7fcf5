import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { createIdp, type Idp } from '../../backends/idp/createIdp.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';
import { post } from './startSecuredBff.js';

// Opaque access tokens checked by RFC 7662 introspection against the real demo IdP (run in this
// process, so the test can count the introspections it answered), on both BFFs.

const CACHE_MAX_S = 1;
const MY_ORDERS = '{ myOrders(first: 1) { orders { id } } }';
const STAFF_ORDERS = '{ orders(first: 1) { nodes { id } } }';

let backends: BackendsProcess;
let idp: Idp;
let idpServer: Server;
let idpUrl: string;
let mobile: RunningBff;
let web: RunningBff;

before(async () => {
  backends = await startBackendsProcess();
  idp = await createIdp({ ephemeralKeys: true });
  idpServer = createServer(idp.handleRequest).listen(0, '127.0.0.1');
  await once(idpServer, 'listening');
  idpUrl = `http://127.0.0.1:${(idpServer.address() as { port: number }).port}`;
  const env = {
    JWKS_URL: `${idpUrl}/.well-known/jwks.json`,
    INTROSPECTION_URL: `${idpUrl}/introspect`,
    INTROSPECTION_CLIENT_ID: 'shop-bff',
    INTROSPECTION_CLIENT_SECRET: 'shop-bff-dev-secret',
    INTROSPECTION_CACHE_MAX_S: String(CACHE_MAX_S),
  };
  // mobile with a 1 s ceiling (revocation), web with 60 s (caching, and a token's own expiry).
  mobile = await startBff('mobile', backends, env);
  web = await startBff('web', backends, { ...env, INTROSPECTION_CACHE_MAX_S: '60' });
});
after(async () => {
  await Promise.all([mobile?.close(), web?.close()]);
  idpServer?.close();
  await backends?.stop();
});

async function opaqueToken(sub: string, ttlSeconds = 600, scope?: string): Promise<string> {
  const token = (await idp.issueToken({ sub, ttlSeconds, format: 'opaque', ...(scope && { scope }) })).access_token;
  assert.equal(token.split('.').length, 1, 'an opaque handle, not a JWT');
  return token;
}

/** Repeats `request` until it is refused; @returns the refusal and how long it took. A deadline under test: short. */
async function untilRefused(request: () => Promise<{ status: number }>, deadlineMs: number): Promise<{ status: number; ms: number }> {
  const start = Date.now();
  for (;;) {
    const { status } = await request();
    if (status !== 200) return { status, ms: Date.now() - start };
    if (Date.now() - start > deadlineMs) assert.fail(`still accepted after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('an opaque token is introspected once and then served from the cache', async () => {
  const token = await opaqueToken('u-00007');
  const before = idp.oauth.introspections;
  for (let i = 0; i < 3; i++) {
    const res = await post(web.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, { viewer: { id: 'u-00007' } });
  }
  assert.equal(idp.oauth.introspections - before, 1, 'three requests, one introspection');
  // Concurrent first uses share one introspection.
  const fresh = await opaqueToken('u-00007');
  const mid = idp.oauth.introspections;
  const all = await Promise.all(
    Array.from({ length: 5 }, () => post(web.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${fresh}` })),
  );
  assert.deepEqual(
    all.map((r) => r.status),
    [200, 200, 200, 200, 200],
  );
  assert.equal(idp.oauth.introspections - mid, 1);
});

test('an unknown opaque token gets the same 401 as a bad JWT', async () => {
  for (const bff of [mobile, web]) {
    const res = await post(
      bff.url,
      { query: MY_ORDERS.replace('myOrders(first: 1) { orders { id } }', '__typename') },
      { authorization: 'Bearer not-a-token-the-idp-issued' },
    );
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(res.body.errors?.[0]?.message, 'Invalid or expired access token.');
  }
});

test('a revoked token is refused once the cache ceiling has passed', async () => {
  const token = await opaqueToken('u-00007');
  const send = () => post(mobile.url, { query: MY_ORDERS }, { authorization: `Bearer ${token}` });
  assert.equal((await send()).status, 200);
  const revokedAt = Date.now();
  assert.equal(idp.oauth.revoke(token), true);
  const refused = await untilRefused(send, CACHE_MAX_S * 1000 + 5_000);
  assert.equal(refused.status, 401);
  assert.ok(Date.now() - revokedAt <= CACHE_MAX_S * 1000 + 5_000);
});

test('a cached answer never outlives the token', async () => {
  // web caches for 60 s: a refusal within the token's 3 s life plus slack can only come from its exp.
  const token = await opaqueToken('u-00007', 3);
  const send = () => post(web.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${token}` });
  assert.equal((await send()).status, 200);
  const refused = await untilRefused(send, 15_000);
  assert.equal(refused.status, 401);
});

test('an opaque client-credentials token of a partner reads the staff list on bff-web', async () => {
  const res = await fetch(`${idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=acme-opaque&client_secret=acme-opaque-dev-secret',
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  assert.equal(token.split('.').length, 1);
  const list = await post(web.url, { query: STAFF_ORDERS }, { authorization: `Bearer ${token}` });
  assert.equal(list.status, 200, list.text);
  const person = await post(web.url, { query: '{ order(id: "o-1") { id } }' }, { authorization: `Bearer ${token}` });
  assert.equal(person.status, 401);
});

test('the IdP refuses introspection to a client that is not a resource server', async () => {
  const res = await fetch(`${idpUrl}/introspect`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('acme-reports:acme-reports-dev-secret').toString('base64')}`,
    },
    body: 'token=x',
  });
  assert.equal(res.status, 403);
  const anonymous = await fetch(`${idpUrl}/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=x',
  });
  assert.equal(anonymous.status, 401);
});

test('the IdP down: an opaque token not in the cache is 503, not 401', async () => {
  const bff = await startBff('mobile', backends, {
    JWKS_URL: `${idpUrl}/.well-known/jwks.json`,
    INTROSPECTION_URL: 'http://127.0.0.1:9/introspect',
    INTROSPECTION_CLIENT_SECRET: 'shop-bff-dev-secret',
  });
  try {
    const res = await post(bff.url, { query: MY_ORDERS }, { authorization: 'Bearer some-opaque-token' });
    assert.equal(res.status, 503);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'IDENTITY_PROVIDER_UNAVAILABLE');
  } finally {
    await bff.close();
  }
});
