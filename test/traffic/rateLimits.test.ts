import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { metricValue } from '../fixtures/metricValue.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';
import { until } from '../fixtures/until.js';

// Cost-weighted limits, per-operation budgets, usage plans, refusals per IP and the insurance
// limiter, on real BFFs (and a real redis-server where replicas share counts).

let backends: BackendsProcess;
const bffs: RunningBff[] = [];
const redises: RedisProcess[] = [];

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await Promise.all(redises.map((r) => r.stop()));
  await backends?.stop();
});

async function start(name: 'mobile' | 'web', env: Record<string, string>): Promise<RunningBff> {
  const bff = await startBff(name, backends, { RATE_LIMIT_ENABLED: 'true', ...env });
  bffs.push(bff);
  return bff;
}

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';
const calls = (stats: BackendStats) => Object.values(stats).reduce((n, s) => n + s.calls, 0);

function assertRateLimited(res: GqlResponse): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.errors![0]!.extensions!.code, 'RATE_LIMITED');
  const seconds = res.body.errors![0]!.extensions!.retryAfterSeconds as number;
  assert.ok(seconds >= 1);
  assert.equal(res.headers.get('retry-after'), String(seconds));
}

/** `r` of policy `name` in the `RateLimit` header. */
function remaining(res: GqlResponse, name: string): number | undefined {
  const match = new RegExp(`"${name}";r=(\\d+);t=(\\d+)`).exec(res.headers.get('ratelimit') ?? '');
  return match ? Number(match[1]) : undefined;
}

test('a request weighs its estimated cost: one heavy query spends what many light ones would, and every response says what is left', async () => {
  // 40 points a minute, a point per 100 of cost: OrdersTable (cost 3152) weighs 32, a product 1.
  const web = await start('web', { RATE_LIMIT_USER: '40', RATE_LIMIT_COST_PER_POINT: '100' });
  const orders = operation('web', 'OrdersTable');
  const heavy = { authorization: `Bearer ${await tokenFor(backends, 'u-00001', 'orders:read:all customers:read')}` };
  const light = { authorization: `Bearer ${await tokenFor(backends, 'u-00002')}` };

  const first = await gql(web.url, orders.query, orders.variables, heavy);
  assert.equal(first.status, 200, JSON.stringify(first.body.errors));
  assert.equal(first.headers.get('ratelimit-policy'), '"user";q=40;w=60');
  assert.equal(remaining(first, 'user'), 8);
  const before = calls(await backends.admin.stats());
  assertRateLimited(await gql(web.url, orders.query, orders.variables, heavy));
  assert.equal(calls(await backends.admin.stats()), before, 'the refused heavy query reached no backend');
  // Through Apollo's pipeline (an ad-hoc document) the weight is the same.
  const adHoc = `query Heavy { ${orders.query.slice(orders.query.indexOf('{') + 1)}`;
  assertRateLimited(await gql(web.url, adHoc, orders.variables, heavy));

  for (let i = 1; i <= 40; i++) {
    const res = await gql(web.url, PRODUCT, { id: 'p-00001' }, light);
    assert.equal(res.status, 200);
    assert.equal(remaining(res, 'user'), 40 - i);
  }
  const spent = await gql(web.url, PRODUCT, { id: 'p-00001' }, light);
  assertRateLimited(spent);
  assert.equal(remaining(spent, 'user'), 0);
});

test("an operation has a budget of its own per caller, beside the caller's limit", async () => {
  const web = await start('web', { RATE_LIMIT_OPERATIONS: 'ProductPage:2' });
  const page = operation('web', 'ProductPage');
  for (let i = 0; i < 2; i++) {
    const res = await gql(web.url, page.query, page.variables);
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    assert.match(res.headers.get('ratelimit-policy')!, /"op-ProductPage";q=2;w=60/);
  }
  const refused = await gql(web.url, page.query, page.variables);
  assertRateLimited(refused);
  assert.equal(remaining(refused, 'op-ProductPage'), 0);
  assert.equal((await gql(web.url, PRODUCT, { id: 'p-00001' })).status, 200, 'other operations still pass');
});

test('refused authentications count against the IP: once spent, even a good token gets 429 before it is checked', async () => {
  const mobile = await start('mobile', { RATE_LIMIT_REFUSALS: '3' });
  const good = { authorization: `Bearer ${await tokenFor(backends, 'u-00003')}` };
  for (let i = 0; i < 3; i++)
    assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, { authorization: 'Bearer not-a-token' })).status, 401);
  // The refusal is counted when its response is sent: ask until the count has landed.
  // (Bounded by count, not time: without the refusal limit it fails instead of hanging.)
  let res = await gql(mobile.url, PRODUCT, { id: 'p-00001' }, good);
  for (let i = 0; i < 100 && res.status === 200; i++) res = await gql(mobile.url, PRODUCT, { id: 'p-00001' }, good);
  assertRateLimited(res);
  assert.match(
    await (await fetch(`${mobile.adminOrigin}/metrics`)).text(),
    /^bff_rate_limited_total\{limit="refusals",bff="mobile"\} [1-9]/m,
  );
});

test("a usage plan's burst caps a key's requests per second beneath its rate; refused, they reach no backend", async () => {
  const key = 'burst-test-partner-key';
  const mobile = await start('mobile', {
    RATE_LIMIT_PLANS: 'partner:1000',
    USAGE_PLANS: JSON.stringify({ partner: { burst: 2 } }),
    API_KEYS: JSON.stringify([
      { client: 'burst', sha256: createHash('sha256').update(key).digest('hex'), bffs: ['mobile'], plan: 'partner' },
    ]),
  });
  const partner = { 'x-api-key': key };
  const before = calls(await backends.admin.stats());
  // Twenty at once: the burst's one-second window is the deadline under test. Spread over ten
  // seconds they would all pass; at once, all but two of each second's are refused.
  // A product each, so request collapsing cannot merge their backend calls.
  const ids = Array.from({ length: 20 }, (_, i) => `p-${String(i + 1).padStart(5, '0')}`);
  const results = await Promise.all(ids.map((id) => gql(mobile.url, PRODUCT, { id }, partner)));
  const served = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status !== 200);
  assert.ok(served.length >= 1 && refused.length >= 1, `served ${served.length}, refused ${refused.length}`);
  for (const res of refused) {
    assertRateLimited(res);
    assert.match(res.headers.get('ratelimit-policy')!, /"burst-partner";q=2;w=1/);
    assert.equal(remaining(res, 'burst-partner'), 0);
  }
  for (const res of served) assert.match(res.headers.get('ratelimit-policy')!, /"plan-partner";q=1000;w=60, "burst-partner";q=2;w=1/);
  // One product call per served request (the per-request loader), none for the refused ones.
  assert.equal(calls(await backends.admin.stats()) - before, served.length);
});

test('operation-limit refusals count against the IP like refused authentications', async () => {
  const web = await start('web', { RATE_LIMIT_REFUSALS: '2', LIMIT_DEPTH: '3' });
  const deep = '{ products(first: 1) { edges { node { id } } } }';
  for (let i = 0; i < 2; i++) {
    const res = await gql(web.url, deep);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.errors![0]!.extensions!.code, 'OPERATION_LIMIT_EXCEEDED');
  }
  // Counted when the refusal's response is sent: ask with a good query until the count has landed.
  let res = await gql(web.url, PRODUCT, { id: 'p-00001' });
  for (let i = 0; i < 100 && res.status === 200; i++) res = await gql(web.url, PRODUCT, { id: 'p-00001' });
  assertRateLimited(res);
  assert.match(res.body.errors![0]!.message, /refused requests/);
});

test("a usage plan's quota is counted across two replicas through one Redis, and shown in the headers", async (t) => {
  if (!requireRedis(t)) return;
  const redis = await startRedis();
  redises.push(redis);
  const key = 'quota-test-partner-key';
  const env = {
    REDIS_URL: redis.url,
    RATE_LIMIT_PLANS: 'partner:100',
    USAGE_PLANS: JSON.stringify({ partner: { quota: 3, period: 'day' } }),
    API_KEYS: JSON.stringify([
      { client: 'acme', sha256: createHash('sha256').update(key).digest('hex'), bffs: ['mobile'], plan: 'partner' },
    ]),
  };
  const [a, b] = [await start('mobile', env), await start('mobile', env)];
  const partner = { 'x-api-key': key };
  const left: (number | undefined)[] = [];
  for (const bff of [a, b, a]) {
    const res = await gql(bff.url, PRODUCT, { id: 'p-00001' }, partner);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('ratelimit-policy')!, /"plan-partner";q=100;w=60, "quota-partner";q=3;w=\d+/);
    left.push(remaining(res, 'quota-partner'));
  }
  assert.deepEqual(left, [2, 1, 0]);
  assertRateLimited(await gql(b.url, PRODUCT, { id: 'p-00001' }, partner));
});

test('with Redis gone, each replica holds the limit divided by the replica count (logged, counted), and readiness stays', async (t) => {
  if (!requireRedis(t)) return;
  const redis = await startRedis();
  redises.push(redis);
  const env = { REDIS_URL: redis.url, RATE_LIMIT_ANONYMOUS: '4', RATE_LIMIT_REPLICAS: '2' };
  const [a, b] = [await start('web', env), await start('web', env)];
  assert.equal((await gql(a.url, PRODUCT, { id: 'p-00001' })).status, 200);
  await redis.stop();
  // The client learns of the closed socket asynchronously: wait until /dependencies says so.
  type Report = { redis: { ok: boolean } };
  for (const bff of [a, b]) {
    await until(
      'the Redis outage in /dependencies',
      async () => ((await (await fetch(`${bff.adminOrigin}/dependencies`)).json()) as Report).redis,
      (redis) => !redis.ok,
    );
  }
  for (const bff of [a, b]) {
    assert.equal((await gql(bff.url, PRODUCT, { id: 'p-00001' })).status, 200);
    assert.equal((await gql(bff.url, PRODUCT, { id: 'p-00001' })).status, 200);
    assertRateLimited(await gql(bff.url, PRODUCT, { id: 'p-00001' }));
    assert.equal((await fetch(`${bff.origin}/readyz`)).status, 200);
    assert.equal(await metricValue(bff.adminOrigin, 'bff_rate_limit_insurance_total', { bff: 'web' }), 3);
  }
});
