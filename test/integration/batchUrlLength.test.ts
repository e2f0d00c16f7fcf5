/**
 * A batch GET never exceeds what the backend accepts (issue 14): `getByIds` splits its ids by
 * URL length, not only by count. The backend here is a real HTTP server on port 0 that, like
 * any Node or nginx server, answers 431 to a request line too long for it; it counts calls.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { FanoutRecorder } from '../../src/context/FanoutRecorder.js';
import { CallScope } from '../../src/datasources/CallScope.js';
import { CatalogApi } from '../../src/datasources/rest/CatalogApi.js';
import { DEFAULT_MAX_URL_LENGTH, RestClient } from '../../src/datasources/rest/RestClient.js';

let server: Server;
let catalog: CatalogApi;
const urls: string[] = [];

before(async () => {
  // 8 KB of request line and headers in all, like many proxies: a 17 KB batch URL is refused.
  server = createServer({ maxHeaderSize: 8192 }, (req, res) => {
    urls.push(req.url ?? '');
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const ids = (query.get('ids') ?? query.get('sku'))?.split(',') ?? [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ products: ids.map((id) => ({ id, title: `t-${id.length}` })) }));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  catalog = new CatalogApi({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
});
after(async () => {
  await catalog.close();
  server.close();
  server.closeAllConnections();
});

const scope = () => new CallScope('req-url', {}, Date.now() + 60_000, new AbortController().signal, new FanoutRecorder(), {});

test('ten 1.7 KB ids go out in five calls of at most 4 KB, and every product comes back', async () => {
  urls.length = 0;
  const ids = Array.from({ length: 10 }, (_, i) => String(i).repeat(1700));
  const s = scope();
  const products = await catalog.getProductsByIds(s, ids);
  assert.equal(urls.length, 5);
  for (const url of urls) assert.ok(url.length <= DEFAULT_MAX_URL_LENGTH, `${url.length}`);
  assert.deepEqual(products.map((p) => p.id).sort(), [...ids].sort());
  assert.equal(s.fanout.count, 5, 'each call is on the receipt');
  assert.equal(catalog.upstream.breakerState, 'closed');
});

test('500 short ids (a full loader batch) stay one call', async () => {
  urls.length = 0;
  const ids = Array.from({ length: 500 }, (_, i) => `p-${String(i).padStart(5, '0')}`);
  const products = await catalog.getProductsByIds(scope(), ids);
  assert.equal(urls.length, 1);
  assert.equal(products.length, 500);
});

test('an id too long for any URL is not sent; the others are', async () => {
  urls.length = 0;
  const products = await catalog.getProductsByIds(scope(), ['p-00001', 'x'.repeat(20_000)]);
  assert.equal(urls.length, 1);
  assert.deepEqual(
    products.map((p) => p.id),
    ['p-00001'],
  );
  urls.length = 0;
  assert.deepEqual(await catalog.getProductsByIds(scope(), ['x'.repeat(20_000)]), []);
  assert.equal(urls.length, 0, 'no call at all');
});

test("the batch parameter is the backend's own name, not a hard-coded ids", async () => {
  urls.length = 0;
  const { port } = server.address() as { port: number };
  const client = new RestClient({ name: 'skus', baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
  try {
    const found = await client.getByIds<{ id: string }>(
      scope(),
      { path: '/items', param: 'sku', field: 'products', keyOf: (item) => item.id },
      ['a-1', 'b 2'],
    );
    assert.deepEqual(urls, ['/items?sku=a-1,b%202']);
    assert.deepEqual(
      found.map((item) => item.id),
      ['a-1', 'b 2'],
    );
  } finally {
    await client.close();
  }
});
