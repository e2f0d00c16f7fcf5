/**
 * Anonymous input can never open a backend's circuit breaker (issue 14, item 1). Each BFF runs
 * as its own process, in production, with a breaker that opens after two counted faults and
 * stays open for ten minutes: had any refused request counted, the legitimate request after
 * it would get no catalog data. The catalog's 4xx answers (forced through the demo backends'
 * fault injection) never count either; its 5xx answers still do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashDocument } from '../../src/persisted/buildManifest.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { post as postJson } from './startSecuredBff.js';
import { metricValue } from '../fixtures/metricValue.js';

// A client that accepts application/graphql-response+json: request errors are 4xx.
const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postJson(url, payload, { accept: 'application/graphql-response+json', ...headers });

const PRODUCTION = {
  NODE_ENV: 'production',
  IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me',
  RATE_LIMIT_ENABLED: 'false',
  BREAKER_THRESHOLD: '2',
  BREAKER_HALF_OPEN_MS: '600000',
  UPSTREAM_RETRIES: '0',
};

const LONG_ID = 'p'.repeat(20_000);
const TEN_ALIASED = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: product(id: "${String(i).repeat(1700)}") { id }`).join(' ')} }`;

/** The product screen each BFF's own app sends (a manifest operation), by hash only. */
const SCREEN = { mobile: operation('mobile', 'ProductScreen'), web: operation('web', 'ProductPage') } as const;
const byHash = (name: 'mobile' | 'web', id: string) => ({
  variables: { ...SCREEN[name].variables, id },
  extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(SCREEN[name].query) } },
});

let backends: BackendsProcess;
before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await backends?.stop();
});

const metric = (bff: { adminOrigin: string }, name: string, labels: Record<string, string>) => metricValue(bff.adminOrigin, name, labels);

const catalogCalls = async () => (await backends.admin.stats()).catalog.calls;

for (const name of ['mobile', 'web'] as const) {
  describe(`bff-${name}, a process in production, anonymous`, () => {
    let bff: BffProcess;
    before(async () => {
      bff = await startBffProcess(name, backends, PRODUCTION);
    });
    after(async () => {
      await bff?.kill();
    });

    /** The app's product screen for a real product: catalog data, no error. */
    async function assertCatalogServes() {
      const calls = await catalogCalls();
      const res = await post(bff.url, byHash(name, 'p-00042'));
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.body.errors, undefined, res.text.slice(0, 300));
      const product = (res.body.data as { product: { id: string; title: string } | null }).product;
      assert.equal(product?.id, 'p-00042');
      assert.equal(typeof product?.title, 'string');
      assert.equal((await catalogCalls()) - calls, 1, 'the title came from the catalog');
      assert.equal(await metric(bff, 'bff_upstream_breaker_state', { backend: 'catalog', state: 'closed' }), 1);
    }

    test('the attack answers BAD_USER_INPUT with no catalog call, and the catalog keeps serving', async () => {
      const attacks: { what: string; body: Record<string, unknown>; code: string }[] = [
        {
          what: `the ${SCREEN[name].query.match(/query (\w+)/)![1]} manifest operation with a 20 KB id`,
          body: byHash(name, LONG_ID),
          code: 'BAD_USER_INPUT',
        },
        { what: 'the manifest operation with a 1.7 KB id', body: byHash(name, '7'.repeat(1700)), code: 'BAD_USER_INPUT' },
        {
          what: 'the manifest operation sent in full with a 20 KB id',
          body: { query: SCREEN[name].query, variables: { id: LONG_ID } },
          code: 'BAD_USER_INPUT',
        },
        // The mobile safelist refuses any document not in its manifest before it is parsed.
        {
          what: 'a 20 KB id literal',
          body: { query: `{ product(id: "${LONG_ID}") { id title } }` },
          code: name === 'mobile' ? 'PERSISTED_QUERY_NOT_ALLOWED' : 'BAD_USER_INPUT',
        },
        {
          what: 'ten aliased 1.7 KB ids',
          body: { query: TEN_ALIASED },
          code: name === 'mobile' ? 'PERSISTED_QUERY_NOT_ALLOWED' : 'BAD_USER_INPUT',
        },
      ];
      const before = await catalogCalls();
      for (const attack of attacks) {
        // More times than the breaker's threshold: any one counted would open it.
        for (let i = 0; i < 3; i++) {
          const res = await post(bff.url, attack.body);
          assert.equal(res.status, 400, `${attack.what}: ${res.text.slice(0, 300)}`);
          assert.equal(res.body.errors?.[0]?.extensions?.code, attack.code, attack.what);
          assert.equal(res.body.data, undefined);
        }
      }
      assert.equal((await catalogCalls()) - before, 0, 'no attack reached the catalog');
      await assertCatalogServes();
    });

    test('4xx answers forced from the catalog never open its breaker', async () => {
      for (const status of [431, 414, 413, 400, 429]) {
        await backends.admin.faults({ catalog: { errorRate: 1, httpStatus: status } });
        try {
          for (let i = 0; i < 3; i++) {
            const res = await post(bff.url, byHash(name, 'p-00042'));
            assert.equal(res.status, 200, res.text.slice(0, 300));
            const error = res.body.errors?.[0];
            assert.equal(error?.extensions?.upstream, 'catalog', res.text.slice(0, 300));
            assert.notEqual(error?.extensions?.code, 'UPSTREAM_UNAVAILABLE', `HTTP ${status} must not open the circuit`);
          }
        } finally {
          await backends.admin.faults({ catalog: {} });
        }
        await assertCatalogServes();
      }
    });

    // Last: it leaves this process's catalog breaker open.
    test('5xx answers from the catalog still open it, and the metrics say why', async () => {
      await backends.admin.faults({ catalog: { errorRate: 1, httpStatus: 503 } });
      try {
        for (let i = 0; i < 2; i++) await post(bff.url, byHash(name, 'p-00042'));
        const calls = await catalogCalls();
        const res = await post(bff.url, byHash(name, 'p-00042'));
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
        assert.equal((await catalogCalls()) - calls, 0, 'the open circuit fails fast');
        assert.equal(await metric(bff, 'bff_upstream_breaker_state', { backend: 'catalog', state: 'open' }), 1);
        assert.equal(await metric(bff, 'bff_upstream_breaker_opens_total', { backend: 'catalog', last_fault: 'UPSTREAM_UNAVAILABLE' }), 1);
      } finally {
        await backends.admin.faults({ catalog: {} });
      }
    });
  });
}
