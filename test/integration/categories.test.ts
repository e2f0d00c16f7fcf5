import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seed } from '../../backends/seed/seedData.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';

// The web schema lists the catalog's categories, and a category the catalog does not list is
// BAD_USER_INPUT naming the argument (the catalog says so: the BFF asks it, only on an empty page).
let backends: BackendsProcess;
let web: RunningBff;
before(async () => {
  backends = await startBackendsProcess();
  web = await startBff('web', backends);
});
after(async () => {
  await web?.close();
  await backends?.stop();
});

const PRODUCTS = 'query Q($category: String) { products(category: $category, first: 2) { totalCount nodes { id category } } }';

test('categories: what the catalog lists, in one call', async () => {
  const res = await gql<{ categories: { slug: string; name: string; productCount: number }[] }>(
    web.url,
    '{ categories { slug name productCount } }',
  );
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(
    res.body.data!.categories.map((c) => c.slug),
    seed.categories,
  );
  assert.equal(
    res.body.data!.categories.reduce((sum, c) => sum + c.productCount, 0),
    seed.products.length,
  );
  assert.equal(res.body.extensions?.fanout?.totals.calls, 1);
});

test('a listed category filters, with one catalog call', async () => {
  const res = await gql<{ products: { nodes: { category: string }[] } }>(web.url, PRODUCTS, { category: 'books' });
  assert.equal(res.body.errors, undefined);
  assert.ok(res.body.data!.products.nodes.length > 0);
  assert.ok(res.body.data!.products.nodes.every((p) => p.category === 'books'));
  assert.equal(res.body.extensions?.fanout?.totals.calls, 1);
});

test('an unknown category is BAD_USER_INPUT naming the argument, not a silent empty page', async () => {
  const res = await gql(web.url, PRODUCTS, { category: 'bookz' });
  const error = res.body.errors?.[0];
  assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(error?.extensions?.argument, 'category');
  assert.equal(error?.extensions?.reason, 'unknown_category');
  assert.match(error?.message ?? '', /"bookz".*categories/);
});
