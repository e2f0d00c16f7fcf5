/**
 * Persisted operations: the committed manifests are up to date, and automatic persisted
 * queries register in memory, or in Redis shared by every replica when REDIS_URL is set.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { buildManifest, hashDocument } from '../../src/persisted/buildManifest.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis } from '../fixtures/startRedis.js';
import { backendCalls, post } from './startSecuredBff.js';

test('the committed manifests are what `npm run safelist` builds (run it after editing an operation)', () => {
  for (const client of ['mobile', 'web']) {
    const dir = fileURLToPath(new URL(`../../bff-${client}/operations/`, import.meta.url));
    const committed = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as unknown;
    assert.deepEqual(committed, buildManifest(dir), `bff-${client}/operations/manifest.json is out of date`);
  }
});

const QUERY = '{ product(id: "p-00002") { id title } }';
const HASH = hashDocument(QUERY);
const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

let backends: BackendsProcess;
before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await backends?.stop();
});

describe('automatic persisted queries in memory', () => {
  let bff: RunningBff;
  before(async () => {
    bff = await startBff('web', backends);
  });
  after(async () => {
    await bff?.close();
  });

  test('an unknown hash asks for the document; once sent, the hash alone runs it', async () => {
    const miss = await post(bff.url, { extensions: apq(HASH) });
    assert.equal(miss.status, 200);
    assert.equal(miss.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    const register = await post(bff.url, { query: QUERY, extensions: apq(HASH) });
    assert.equal((register.body.data as { product: { id: string } }).product.id, 'p-00002');
    const hit = await post(bff.url, { extensions: apq(HASH) });
    assert.deepEqual(hit.body.data, register.body.data);
  });

  test('a document sent under another hash is refused and not registered', async () => {
    const hijack = hashDocument('{ __typename }');
    const res = await post(bff.url, { query: QUERY, extensions: apq(hijack) });
    assert.equal(res.status, 400);
    const still = await post(bff.url, { extensions: apq(hijack) });
    assert.equal(still.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
  });

  test('a document refused at the edge is never registered', async () => {
    const bomb = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: product(id: "p-00001") { id }`).join(' ')} }`;
    const before = await backendCalls(backends);
    const res = await post(bff.url, { query: bomb, extensions: apq(hashDocument(bomb)) });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'OPERATION_LIMIT_EXCEEDED');
    const again = await post(bff.url, { extensions: apq(hashDocument(bomb)) });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await backendCalls(backends)) - before, 0);
  });
});

describe('automatic persisted queries in Redis', () => {
  test('a registration on one replica serves the hash on another', async (t) => {
    if (!requireRedis(t)) return;
    const redis = await startRedis();
    const [first, second] = await Promise.all([
      startBff('web', backends, { REDIS_URL: redis.url, APQ_TTL_S: '600' }),
      startBff('web', backends, { REDIS_URL: redis.url, APQ_TTL_S: '600' }),
    ]);
    const client = createClient({ url: redis.url });
    try {
      await client.connect();
      const query = '{ product(id: "p-00003") { id } }';
      const hash = hashDocument(query);
      assert.equal((await post(second.url, { extensions: apq(hash) })).body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
      assert.deepEqual((await post(first.url, { query, extensions: apq(hash) })).body.data, { product: { id: 'p-00003' } });
      // Apollo writes the registration without waiting for it; wait for the key, not for time.
      for (let i = 0; i < 100 && !(await client.exists(`bff-web:apq:${hash}`)); i++) await new Promise((r) => setImmediate(r));
      assert.equal(await client.get(`bff-web:apq:${hash}`), query);
      const ttl = await client.ttl(`bff-web:apq:${hash}`);
      assert.ok(ttl > 0 && ttl <= 600, `ttl ${ttl}`);
      assert.deepEqual((await post(second.url, { extensions: apq(hash) })).body.data, { product: { id: 'p-00003' } });
    } finally {
      await client.quit();
      await Promise.all([first.close(), second.close()]);
      await redis.stop();
    }
  });
});
