import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { createFieldUsage } from '../../src/observability/createFieldUsage.js';
import { buildLiveSchema } from '../../src/schema/governance/schemaFiles.js';
import { parseFieldUsage } from '../../src/schema/governance/reportDeprecatedUsage.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';
import { operation } from '../fixtures/operations.js';

// Deprecation by usage: the BFF counts, per client version, the operations that select each
// field (fast path and Apollo's path alike), and `npm run schema:usage` reads those counters
// to say which versions still use a deprecated field.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const client = (name: string, version: string) => ({ 'apollographql-client-name': name, 'apollographql-client-version': version });

describe('field usage counter', () => {
  const schema = buildLiveSchema(root, 'mobile');
  const home = parse('{ home { featured { id title } } }');

  const scrape = async (usage: ReturnType<typeof createFieldUsage>) => {
    const registry = new Registry();
    usage.register(registry);
    return parseFieldUsage(await registry.metrics());
  };

  it('counts each selected field once per operation, for the client version that sent it', async () => {
    const usage = createFieldUsage({ schema, promoteAfter: 1 });
    usage.record(home, client('ios', '2.3.0'));
    usage.record(home, client('ios', '2.3.0'));
    usage.record(parse('{ home { featured { id id } } }'), client('android', '5.1'));
    const samples = await scrape(usage);
    const count = (field: string, version: string) => samples.find((s) => s.field === field && s.clientVersion === version)?.count;
    assert.equal(count('ProductCard.title', '2.3.0'), 2);
    assert.equal(count('ProductCard.id', '5.1'), 1, 'a field selected twice in one document counts once');
    assert.equal(count('ProductCard.title', '5.1'), undefined);
    assert.equal(count('Query.home', '2.3.0'), 2);
  });

  it('keeps label values bounded: versions past the limit, or not yet seen often enough, count as other', async () => {
    const usage = createFieldUsage({ schema, maxVersions: 2, promoteAfter: 2 });
    for (const version of ['1', '1', '2', '2', '3', '3', '3']) usage.record(home, client('ios', version));
    usage.record(home, { 'apollographql-client-name': 'ios', 'apollographql-client-version': 'x'.repeat(41) });
    const title = (await scrape(usage)).filter((s) => s.field === 'ProductCard.title');
    assert.deepEqual(
      title.map((s) => [s.clientName, s.clientVersion, s.count]).sort(),
      [
        // 1 and 2 reach the threshold on their second operation; their first went to other, as did 3 (no slot left) and the malformed one.
        ['ios', '1', 1],
        ['ios', '2', 1],
        ['other', 'other', 6],
      ].sort(),
    );
  });
});

describe('deprecation by usage, end to end', { timeout: 60_000 }, () => {
  let backends: BackendsProcess;
  let mobile: RunningBff;
  before(async () => {
    backends = await startBackendsProcess();
    mobile = await startBff('mobile', backends);
  });
  after(async () => {
    await mobile?.close();
    await backends?.stop();
  });

  it('the old app version still selects ProductScreen.images; the new one uses gallery; schema:usage says so', async () => {
    const { query } = operation('mobile', 'ProductScreen');
    const servedBefore = mobile.server.fastPath!.served;
    // The shipped ProductScreen operation (fast path), from the old version.
    for (let i = 0; i < 12; i++) {
      const res = await gql<{ product: { images: string[] } }>(mobile.url, query, { id: 'p-00042' }, client('shop-ios', '2.3.0'));
      assert.equal(res.body.errors, undefined);
      assert.equal(res.body.data!.product.images.length, 1);
    }
    assert.equal(mobile.server.fastPath!.served - servedBefore, 12, 'the shipped operation ran on the fast path');
    // The new version's document is not in the manifest: Apollo's path.
    const next = 'query ProductScreenV3($id: ID!) { product(id: $id) { id gallery { url width } } }';
    for (let i = 0; i < 12; i++) {
      const res = await gql<{ product: { gallery: { url: string; width: number }[] } }>(
        mobile.url,
        next,
        { id: 'p-00042' },
        client('shop-ios', '3.0.0'),
      );
      assert.equal(res.body.errors, undefined);
      assert.deepEqual(
        res.body.data!.product.gallery.map((image) => image.width),
        [400, 800],
      );
      assert.equal(res.body.data!.product.gallery[0]!.url.endsWith('/400.jpg'), true);
    }
    assert.equal(mobile.server.fastPath!.served - servedBefore, 12);

    const metrics = await (await fetch(`${mobile.adminOrigin}/metrics`)).text();
    const samples = parseFieldUsage(metrics);
    const count = (field: string, version: string) => samples.find((s) => s.field === field && s.clientVersion === version)?.count ?? 0;
    // The first 9 operations of each version count as other (promoteAfter 10), the rest as the version.
    assert.equal(count('ProductScreen.images', '2.3.0'), 3);
    assert.equal(count('ProductScreen.images', '3.0.0'), 0);
    assert.equal(count('ProductScreen.gallery', '3.0.0'), 3);
    assert.equal(count('ProductScreen.images', 'other') + count('ProductScreen.images', '2.3.0'), 12);
    assert.equal(samples.find((s) => s.field === 'ProductScreen.images')?.bff, 'mobile');

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema.ts', 'usage', '--metrics-url', `${mobile.adminOrigin}/metrics`],
      { cwd: root },
    );
    assert.match(stdout, /bff-mobile: ProductScreen\.images \(deprecated: Use `gallery`/);
    assert.match(stdout, /\n {2}shop-ios 2\.3\.0: 3 operation\(s\)\n/);
    assert.doesNotMatch(stdout, /3\.0\.0/);
    assert.match(stdout, /selected by shipped operation\(s\): ProductScreen\n {2}=> still in use: keep it/);
  });
});
