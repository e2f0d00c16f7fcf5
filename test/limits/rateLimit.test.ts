import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../fixtures/startBackends.js';
import { gql, startBff, tokenFor, type GqlResponse, type RunningBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

// Per-caller limits answered with 429 RATE_LIMITED before any backend call: in memory, and
// shared through Redis by two replicas of one BFF.

let backends: BackendsProcess;
const bffs: RunningBff[] = [];
let redis: RedisProcess | undefined;

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await redis?.stop();
  await backends?.stop();
});

async function start(name: 'mobile' | 'web', env: Record<string, string>): Promise<RunningBff> {
  const bff = await startBff(name, backends, { RATE_LIMIT_ENABLED: 'true', ...env });
  bffs.push(bff);
  return bff;
}

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title } }';
const calls = (stats: BackendStats) => Object.values(stats).reduce((n, s) => n + s.calls, 0);

function assertRateLimited(res: GqlResponse): number {
  assert.equal(res.status, 429);
  const error = res.body.errors![0]!;
  assert.equal(error.extensions!.code, 'RATE_LIMITED');
  const seconds = error.extensions!.retryAfterSeconds as number;
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `retryAfterSeconds ${seconds}`);
  assert.equal(res.headers.get('retry-after'), String(seconds));
  assert.equal(typeof error.extensions!.requestId, 'string');
  return seconds;
}

test('anonymous callers are limited per IP: the request over the limit gets 429 and reaches no backend', async () => {
  const web = await start('web', { RATE_LIMIT_ANONYMOUS: '3' });
  for (let i = 0; i < 3; i++) assert.equal((await gql(web.url, PRODUCT, { id: 'p-00001' })).status, 200);
  const before = calls(await backends.admin.stats());
  assertRateLimited(await gql(web.url, PRODUCT, { id: 'p-00001' }));
  assert.equal(calls(await backends.admin.stats()), before);
});

test('users are limited per user, API keys per plan, and mutations by a stricter limit of their own', async () => {
  const key = 'ops-test-partner-key';
  const mobile = await start('mobile', {
    RATE_LIMIT_USER: '4',
    RATE_LIMIT_MUTATIONS: '1',
    RATE_LIMIT_PLANS: 'partner:2',
    API_KEYS: JSON.stringify([
      { client: 'acme', sha256: createHash('sha256').update(key).digest('hex'), bffs: ['mobile'], plan: 'partner' },
    ]),
  });
  const ada = { authorization: `Bearer ${await tokenFor(backends, 'u-00011')}` };
  const bob = { authorization: `Bearer ${await tokenFor(backends, 'u-00012')}` };
  const update = 'mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { __typename } }';

  assert.equal((await gql(mobile.url, update, { input: { name: 'Ada L' } }, ada)).status, 200);
  const before = calls(await backends.admin.stats());
  const second = await gql(mobile.url, update, { input: { name: 'Ada B' } }, ada);
  assertRateLimited(second);
  assert.equal(second.body.data, undefined);
  assert.equal(calls(await backends.admin.stats()), before, 'the rejected mutation reached no backend');
  // Two requests of Ada so far; queries still pass until her request limit of 4 is spent.
  assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, ada)).status, 200);
  assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, ada)).status, 200);
  assertRateLimited(await gql(mobile.url, PRODUCT, { id: 'p-00001' }, ada));
  // Bob has a budget of his own.
  assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, bob)).status, 200);

  const partner = { 'x-api-key': key };
  assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, partner)).status, 200);
  assert.equal((await gql(mobile.url, PRODUCT, { id: 'p-00001' }, partner)).status, 200);
  assertRateLimited(await gql(mobile.url, PRODUCT, { id: 'p-00001' }, partner));
});

test('two replicas sharing one Redis share the limit; with Redis gone, /dependencies says so, readiness stays, and requests still pass', async (t) => {
  if (!requireRedis(t)) return;
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, RATE_LIMIT_ANONYMOUS: '4' };
  const [a, b] = [await start('web', env), await start('web', env)];
  const statuses: number[] = [];
  for (const bff of [a, b, a, b]) statuses.push((await gql(bff.url, PRODUCT, { id: 'p-00002' })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200]);
  assertRateLimited(await gql(a.url, PRODUCT, { id: 'p-00002' }));
  assertRateLimited(await gql(b.url, PRODUCT, { id: 'p-00002' }));

  type Report = { redis: { ok: boolean } };
  const report = async () => (await (await fetch(`${a.adminOrigin}/dependencies`)).json()) as Report;
  assert.equal((await report()).redis.ok, true);
  await redis.stop();
  // The client learns of the closed socket asynchronously: ask until it has (bounded).
  let down = await report();
  for (let i = 0; i < 50 && down.redis.ok; i++) down = await report();
  assert.equal(down.redis.ok, false);
  assert.equal((await fetch(`${a.origin}/readyz`)).status, 200, 'Redis is shared by every replica: never a readiness gate');
  // Counted in memory meanwhile: each replica lets the caller through again.
  assert.equal((await gql(b.url, PRODUCT, { id: 'p-00002' })).status, 200);
});
