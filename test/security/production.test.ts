/**
 * Production mode (NODE_ENV=production) on both BFFs: no introspection, no field suggestions,
 * no landing page, masked internal errors, and bff-mobile held to its safelist.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildBffSchema } from '../../src/schema/buildBffSchema.js';
import { BFFS } from '../fixtures/startBffs.js';
import { mobileResolvers } from '../../bff-mobile/resolvers/mobileResolvers.js';
import { webResolvers } from '../../bff-web/resolvers/webResolvers.js';
import { hashDocument } from '../../src/persisted/buildManifest.js';
import { MASKED_MESSAGE } from '../../src/operation/formatResult.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import type { RunningBff } from '../fixtures/startBffs.js';
import { operation } from '../fixtures/operations.js';
import { backendCalls, post, send, startSecuredBff } from './startSecuredBff.js';
import { createTestIssuer, type TestIssuer } from './testIssuer.js';

const PRODUCTION = { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me', RATE_LIMIT_ENABLED: 'false' };
const SECRET = 'db password is hunter2';

let backends: BackendsProcess;
let issuer: TestIssuer;
before(async () => {
  [backends, issuer] = await Promise.all([startBackendsProcess(), createTestIssuer()]);
});
after(async () => {
  await backends?.stop();
});

for (const name of ['mobile', 'web'] as const) {
  describe(`bff-${name} in production`, () => {
    let bff: RunningBff;
    before(async () => {
      // A resolver that throws what a library might: the message must never reach a client.
      const resolvers = name === 'mobile' ? mobileResolvers : webResolvers;
      const leaky = {
        ...resolvers,
        Query: {
          ...(resolvers.Query as object),
          product: () => {
            throw new Error(SECRET);
          },
        },
      };
      // The safelist is the BFF's default for production; the web one is off. Here the probe
      // documents are not in the mobile manifest, so mobile runs in log mode for these rows.
      bff = await startSecuredBff(
        name,
        backends,
        issuer,
        { ...PRODUCTION, SAFELIST_MODE: 'log' },
        { schema: buildBffSchema(BFFS[name].profile.schemaDirs, leaky) },
      );
    });
    after(async () => {
      await bff?.close();
    });

    test('introspection is refused', async () => {
      const res = await post(bff.url, { query: '{ __schema { types { name } } }' });
      assert.equal(res.status, 200); // a validation failure; application/json reads errors (graphqlOverHttp.test.ts)
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(res.body.data, undefined);
    });

    test('field suggestions are not given', async () => {
      const res = await post(bff.url, { query: '{ prodcut(id: "p-00001") { id } }' });
      assert.equal(res.status, 200);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.doesNotMatch(res.text, /Did you mean|"product"/);
    });

    test('no landing page: a browser gets JSON', async () => {
      const res = await send(bff.url, { headers: { accept: 'text/html' } });
      assert.match(res.contentType, /json/);
      assert.equal(res.status, 400);
    });

    test('an internal error is masked, with the request id, and its message does not leak', async () => {
      const res = await post(bff.url, { query: '{ product(id: "p-00001") { id } }' });
      assert.equal(res.status, 200);
      const error = res.body.errors?.[0];
      assert.equal(error?.message, MASKED_MESSAGE);
      assert.equal(error?.extensions?.code, 'INTERNAL_SERVER_ERROR');
      assert.equal(error?.extensions?.requestId, res.requestId);
      assert.ok(!res.text.includes('hunter2'), 'the original message stays in the log');
      assert.ok(!res.text.includes('stacktrace'));
    });
  });
}

describe('bff-mobile safelist in production (enforce by default)', () => {
  let mobile: RunningBff;
  let web: RunningBff;
  before(async () => {
    [mobile, web] = await Promise.all([
      startSecuredBff('mobile', backends, issuer, PRODUCTION),
      startSecuredBff('web', backends, issuer, PRODUCTION),
    ]);
  });
  after(async () => {
    await Promise.all([mobile?.close(), web?.close()]);
  });

  test('defaults: enforce on mobile, off on web', () => {
    assert.equal(mobile.config.persistedQueries.safelist, 'enforce');
    assert.equal(web.config.persistedQueries.safelist, 'off');
  });

  test('an operation not in the manifest is refused before any backend call', async () => {
    const before = await backendCalls(backends);
    const res = await post(mobile.url, { query: '{ product(id: "p-00001") { id title } }' });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED');
    assert.equal(res.body.errors?.[0]?.extensions?.requestId, res.requestId);
    assert.equal((await backendCalls(backends)) - before, 0);
  });

  test('the same document reworded by one character is refused too', async () => {
    const { query, variables } = operation('mobile', 'ProductScreen');
    const res = await post(mobile.url, { query: `${query} `, variables });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED');
  });

  test('a manifest operation runs, sent in full or as its hash only', async () => {
    const { query, variables } = operation('mobile', 'ProductScreen');
    const full = await post(mobile.url, { query, variables });
    assert.equal(full.status, 200, full.text.slice(0, 300));
    assert.equal((full.body.data as { product: { id: string } }).product.id, variables.id);
    const hashOnly = await post(mobile.url, { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(query) } } });
    assert.equal(hashOnly.status, 200, hashOnly.text.slice(0, 300));
    assert.deepEqual(hashOnly.body.data, full.body.data);
  });

  test('a hash not in the manifest is refused, not looked up', async () => {
    const res = await post(mobile.url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument('{ home { viewer { id } } }') } },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED');
  });

  test('web serves any operation', async () => {
    const res = await post(web.url, { query: '{ product(id: "p-00001") { id title } }' });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
  });
});
