/**
 * The edge's refusals, one row per bad input, against both BFFs over HTTP with the real
 * backends: status, error code (and reason), and no backend call where the request must not
 * reach one. Tokens are signed by the test's own issuer and verified at a controlled clock.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { BffName } from '../fixtures/startBffs.js';
import { INVALID_TOKEN_MESSAGE } from '../../src/auth/createTokenVerifier.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import type { RunningBff } from '../fixtures/startBffs.js';
import { API_KEYS, backendCalls, post as postJson, send, sendRaw, startSecuredBff, type RawResponse } from './startSecuredBff.js';

// As a GraphQL-over-HTTP client that accepts application/graphql-response+json: request errors
// are then 4xx (a legacy application/json client gets them with 200; graphqlOverHttp.test.ts).
const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postJson(url, payload, { accept: 'application/graphql-response+json', ...headers });
import { createTestIssuer, NOW_S, type TestIssuer } from './testIssuer.js';

/** Public on both BFFs and calls the catalog: a refusal shows as zero backend calls. */
const PROBE = '{ product(id: "p-00001") { id title } }';

interface Row {
  name: string;
  /** Skip the row on the BFF that has nothing to test for it. */
  only?: BffName;
  request: (bff: RunningBff) => Promise<RawResponse>;
  status: number;
  code?: string;
  reason?: string;
  /** The request must make no backend call (default: true for refusals). */
  reachesBackends?: boolean;
  /**
   * Apollo refuses it before any request context exists (its CSRF check), so the request id
   * is only in the `x-request-id` header, not in the body.
   */
  noBodyRequestId?: boolean;
}

let backends: BackendsProcess;
let issuer: TestIssuer;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const probeWith = (headers: Record<string, string>) => (bff: RunningBff) => post(bff.url, { query: PROBE }, headers);
const probeWithToken = (token: () => Promise<string>) => async (bff: RunningBff) => post(bff.url, { query: PROBE }, bearer(await token()));
const query =
  (text: string, headers: Record<string, string> = {}) =>
  (bff: RunningBff) =>
    post(bff.url, { query: text }, headers);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
/** The client's product screen from its manifest (in the safelist; the fast path's on mobile). */
const manifestProduct = (bff: RunningBff) => {
  const manifest = JSON.parse(readFileSync(new URL(`../../bff-${bff.name}/operations/manifest.json`, import.meta.url), 'utf8')) as {
    operations: { id: string; name: string }[];
  };
  const op = manifest.operations.find((o) => o.name === (bff.name === 'mobile' ? 'ProductScreen' : 'ProductPage'))!;
  return { hash: op.id, variables: { id: 'p-00001' } };
};
const TWO_OPERATIONS = `query A ${PROBE} query B { product(id: "p-00002") { id } }`;

const rows: Row[] = [
  // Identity: tokens.
  { name: 'no credentials (anonymous)', request: probeWith({}), status: 200, reachesBackends: true },
  { name: 'a valid token', request: probeWithToken(() => issuer.sign('u-00007')), status: 200, reachesBackends: true },
  {
    name: 'expired 10 s ago (within the 30 s tolerance)',
    request: probeWithToken(() => issuer.sign('u-00007', { iat: NOW_S - 3600, exp: NOW_S - 10 })),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'expired token',
    request: probeWithToken(() => issuer.sign('u-00007', { iat: NOW_S - 7200, exp: NOW_S - 3600 })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'not-yet-valid token (nbf in an hour)',
    request: probeWithToken(() => issuer.sign('u-00007', { nbf: NOW_S + 3600 })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'wrong audience',
    request: probeWithToken(() => issuer.sign('u-00007', { aud: 'another-api' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'wrong issuer',
    request: probeWithToken(() => issuer.sign('u-00007', { iss: 'https://evil.example' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'no exp claim', request: probeWithToken(() => issuer.sign('u-00007', { exp: undefined })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'alg: none', request: probeWithToken(async () => issuer.unsigned('u-00007')), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'HS256 signed with the public key',
    request: probeWithToken(() => issuer.hs256WithPublicKey('u-00007')),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'unknown kid', request: probeWithToken(() => issuer.signWithUnknownKey('u-00007')), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'oversized token (> 4 KiB)',
    request: probeWithToken(() => issuer.sign('u-00007', { scope: 'x '.repeat(3000) })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'issued an hour in the future (iat beyond the 30 s tolerance)',
    request: probeWithToken(() => issuer.sign('u-00007', { iat: NOW_S + 3600 })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'issued 10 s in the future (within the tolerance)',
    request: probeWithToken(() => issuer.sign('u-00007', { iat: NOW_S + 10 })),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'sub with a CR LF (a header injection)',
    request: probeWithToken(() => issuer.sign('u-00007\r\nx-bff-scopes: orders:read:all')),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'sub with a control character',
    request: probeWithToken(() => issuer.sign('u-00007\u0000')),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'sub with non-ASCII', request: probeWithToken(() => issuer.sign('u-0000\u00e9')), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'scope with a line break',
    request: probeWithToken(() => issuer.sign('u-00007', { scope: 'orders:read:self\ncustomers:read' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'scope that is not a string',
    request: probeWithToken(() => issuer.sign('u-00007', { scope: ['orders:read:all'] as unknown as string })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'lower-case bearer scheme (RFC 7235)',
    request: async (bff) => post(bff.url, { query: PROBE }, { authorization: `bearer ${await issuer.sign('u-00007')}` }),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'upper-case BEARER scheme',
    request: async (bff) => post(bff.url, { query: PROBE }, { authorization: `BEARER ${await issuer.sign('u-00007')}` }),
    status: 200,
    reachesBackends: true,
  },
  { name: 'not a JWT', request: probeWith(bearer('not-a-jwt')), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Basic credentials', request: probeWith({ authorization: 'Basic dTpw' }), status: 401, code: 'UNAUTHENTICATED' },
  // Identity: API keys.
  {
    name: "this BFF's API key",
    request: (bff) => post(bff.url, { query: PROBE }, { 'x-api-key': bff.name === 'mobile' ? API_KEYS.mobileDevice : API_KEYS.webPartner }),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'an unknown API key',
    request: probeWith({ 'x-api-key': 'nope_0123456789abcdef0123456789' }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'a revoked API key', request: probeWith({ 'x-api-key': API_KEYS.revoked }), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: "the other BFF's API key",
    request: (bff) => post(bff.url, { query: PROBE }, { 'x-api-key': bff.name === 'mobile' ? API_KEYS.webPartner : API_KEYS.mobileDevice }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'a bad API key with a valid token',
    request: async (bff) => post(bff.url, { query: PROBE }, { ...bearer(await issuer.sign('u-00007')), 'x-api-key': API_KEYS.revoked }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  // Authorization (@auth), before any backend call.
  { name: 'anonymous myOrders', only: 'mobile', request: query('{ myOrders { orders { id } } }'), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'API key alone on myOrders',
    only: 'mobile',
    request: query('{ myOrders { orders { id } } }', { 'x-api-key': API_KEYS.mobileDevice }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'anonymous order(id)', only: 'web', request: query('{ order(id: "o-000001") { id } }'), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'a user without orders:read:all on orders',
    only: 'web',
    request: async (bff) => post(bff.url, { query: '{ orders { nodes { id } } }' }, bearer(await issuer.sign('u-00007'))),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'a user without customers:read on customer, in a fragment',
    only: 'web',
    request: async (bff) =>
      post(
        bff.url,
        { query: '{ ...Q } fragment Q on Query { product(id: "p-00001") { id } customer(id: "u-00001") { id } }' },
        bearer(await issuer.sign('u-00007')),
      ),
    status: 403,
    code: 'FORBIDDEN',
  },
  // Operation limits.
  {
    name: 'alias bomb (20 aliases)',
    request: query(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: product(id: "p-00001") { id }`).join(' ')} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'aliases',
  },
  {
    name: '2,000 aliases (6,000 tokens)',
    request: query(`{ ${Array.from({ length: 2_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'tokens',
  },
  {
    name: 'depth 50',
    request: query(`{ product(id: "p-00001") ${'{ a '.repeat(50)}${'}'.repeat(50)} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'depth',
  },
  {
    name: 'field duplication (title × 50)',
    request: query(`{ product(id: "p-00001") { ${'title '.repeat(50)} } }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'repeatedFields',
  },
  {
    name: 'field duplication through inline fragments (140 × ... { price })',
    only: 'web',
    request: query(`{ product(id: "p-00001") { ${'... { price { formatted } } '.repeat(140)} } }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'repeatedFields',
  },
  {
    name: 'field duplication through inline fragments (140 × ... { title })',
    request: query(`{ product(id: "p-00001") { ${'... { title } '.repeat(140)} } }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'repeatedFields',
  },
  {
    name: 'field duplication through fragment spreads (F × 140)',
    request: (bff) =>
      query(
        `{ product(id: "p-00001") { ${'...F '.repeat(140)} } } fragment F on ${bff.name === 'mobile' ? 'ProductScreen' : 'Product'} { title }`,
      )(bff),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'repeatedFields',
  },
  {
    name: 'field duplication through nested spreads (3 × 3 × 3 × 3 × 3 = 243)',
    request: (bff) =>
      query(
        `{ product(id: "p-00001") { ...A ...A ...A } } fragment A on T { ...B ...B ...B } fragment B on T { ...C ...C ...C } fragment C on T { ...D ...D ...D } fragment D on T { title title title }`.replaceAll(
          ' on T ',
          bff.name === 'mobile' ? ' on ProductScreen ' : ' on Product ',
        ),
      )(bff),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'repeatedFields',
  },
  {
    name: 'directive overload (@include × 10 on one field)',
    request: query(`{ product(id: "p-00001") { title ${'@include(if: true) '.repeat(10)} } }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'directives',
  },
  {
    name: '11 root fields',
    request: query(`{ ${Array.from({ length: 11 }, (_, i) => `r${i}: product(id: "p-00001") { id }`).join(' ')} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'rootFields',
  },
  {
    name: 'cost bomb through nested first: 1000',
    request: (bff) =>
      post(bff.url, {
        query:
          bff.name === 'mobile'
            ? `{ home { ${Array.from({ length: 10 }, (_, i) => `f${i}: featured(first: 1000) { id }`).join(' ')} } }`
            : '{ orders(first: 1000) { nodes { customer { orders(first: 1000) { nodes { items { product { reviews(first: 1000) { id } } } } } } } } }',
      }),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'cost',
  },
  {
    name: 'cost bomb through a variable',
    only: 'web',
    request: (bff) =>
      post(bff.url, {
        query: 'query ($n: Int) { orders(first: $n) { nodes { customer { orders(first: $n) { nodes { id } } } } } }',
        variables: { n: 100 },
      }),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
    reason: 'cost',
  },
  // Free-form arguments that reach a backend URL, header or gRPC field (issue 14): refused at
  // the edge, so a bad id can never make a backend answer 4xx (or open its breaker).
  {
    name: 'a 20 KB id',
    request: query(`{ product(id: "${'p'.repeat(20_000)}") { id } }`),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'ten aliased 1.7 KB ids',
    request: query(`{ ${Array.from({ length: 10 }, (_, i) => `a${i}: product(id: "${String(i).repeat(1700)}") { id }`).join(' ')} }`),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'a 20 KB id in a variable',
    request: (bff) => post(bff.url, { query: 'query ($id: ID!) { product(id: $id) { id } }', variables: { id: 'p'.repeat(20_000) } }),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'an id of 65 characters',
    request: query(`{ product(id: "${'p'.repeat(65)}") { id } }`),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'an id of 64 characters (not found, but asked)',
    request: query(`{ product(id: "${'p'.repeat(64)}") { id } }`),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'an id with a comma (the batch separator)',
    request: query('{ product(id: "p-00001,p-00002") { id } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'an id with a control character',
    request: (bff) => post(bff.url, { query: 'query ($id: ID!) { product(id: $id) { id } }', variables: { id: 'p-00001\r\nx-evil: 1' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'an id with a lone surrogate',
    request: (bff) => post(bff.url, { query: 'query ($id: ID!) { product(id: $id) { id } }', variables: { id: 'p-\ud800' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  { name: 'an empty id', request: query('{ product(id: "") { id } }'), status: 400, code: 'BAD_USER_INPUT', reason: 'invalid_id' },
  {
    name: 'a 600-character category',
    only: 'web',
    request: query(`{ products(category: "${'c'.repeat(600)}") { nodes { id } } }`),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'string_too_long',
  },
  {
    name: 'a cursor with a NUL',
    only: 'web',
    request: (bff) =>
      post(bff.url, { query: 'query ($after: String) { products(after: $after) { nodes { id } } }', variables: { after: 'abc\u0000' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_characters',
  },
  {
    name: 'a 600-character cursor, signed in',
    only: 'mobile',
    request: async (bff) =>
      post(bff.url, { query: `{ myOrders(after: "${'c'.repeat(600)}") { orders { id } } }` }, bearer(await issuer.sign('u-00007'))),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'string_too_long',
  },
  {
    name: 'a long customer id, staff',
    only: 'web',
    request: async (bff) =>
      post(
        bff.url,
        { query: `{ customer(id: "${'u'.repeat(2000)}") { id } }` },
        bearer(await issuer.sign('u-00001', { scope: 'customers:read' })),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  {
    name: 'a long product id inside placeOrder input, signed in',
    request: async (bff) =>
      post(
        bff.url,
        {
          query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename } }',
          variables: {
            input: {
              idempotencyKey: 'k-1',
              items: [
                { productId: 'p-00001', quantity: 1, expectedUnitPriceCents: 1 },
                { productId: 'p'.repeat(1700), quantity: 1, expectedUnitPriceCents: 1 },
              ],
            },
          },
        },
        bearer(await issuer.sign('u-00007')),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    reason: 'invalid_id',
  },
  // Operation resolution: every executor path answers 400, never a 500.
  { name: 'two operations without operationName', request: query(TWO_OPERATIONS), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  {
    name: 'an unknown operationName',
    request: (bff) => post(bff.url, { query: TWO_OPERATIONS, operationName: 'C' }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'an operationName not in a one-operation document',
    request: (bff) => post(bff.url, { query: `query A ${PROBE}`, operationName: 'B' }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'a 90 KB operationName',
    request: (bff) => post(bff.url, { query: `query A ${PROBE}`, operationName: 'N'.repeat(90_000) }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'a manifest hash with a wrong operationName',
    request: (bff) =>
      post(bff.url, { extensions: apq(manifestProduct(bff).hash), variables: manifestProduct(bff).variables, operationName: 'Nope' }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'an APQ hash with a wrong operationName',
    request: async (bff) => {
      const text = `query Probe ${PROBE} query Other { product(id: "p-00003") { id } }`;
      await post(bff.url, { query: text, operationName: 'Probe', extensions: apq(sha256(text)) });
      return post(bff.url, { extensions: apq(sha256(text)), operationName: 'Nope' });
    },
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
    reachesBackends: true, // the registering request ran
  },
  {
    name: 'a subscription over HTTP (WebSocket and SSE serve them)',
    request: (bff) =>
      query(
        bff.name === 'mobile' ? 'subscription { orderStatus(orderId: "o-000001") { status } }' : 'subscription { orderEvents { kind } }',
      )(bff),
    status: 400,
    code: 'BAD_REQUEST',
    reason: 'subscriptions_unsupported',
  },
  {
    name: 'an APQ hash that does not match its query',
    request: (bff) => post(bff.url, { query: PROBE, extensions: apq(sha256('something else')) }),
    status: 400,
    code: 'BAD_REQUEST',
    reason: 'persisted_query_hash_mismatch',
  },
  // Trace and identity headers: served, and what is malformed is not passed on (identity.test.ts checks what the backend got).
  {
    name: 'an 8 KB traceparent',
    request: probeWith({ traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01${'a'.repeat(8_000)}` }),
    status: 200,
    reachesBackends: true,
  },
  { name: 'a traceparent of raw bytes', request: probeWith({ traceparent: '\u00ff\u00fe\u00fd' }), status: 200, reachesBackends: true },
  { name: 'an 8 KB tracestate', request: probeWith({ tracestate: `k=${'v'.repeat(8_000)}` }), status: 200, reachesBackends: true },
  {
    name: 'spoofed x-bff identity headers',
    request: probeWith({
      'x-bff-user-id': 'u-00001',
      'x-bff-scopes': 'orders:read:all',
      'x-bff-identity-sig': 'forged',
      'x-bff-identity-ts': '1',
    }),
    status: 200,
    reachesBackends: true,
  },
  // HTTP.
  {
    name: 'HTTP/1.0 without Host',
    request: (bff) => sendRaw(bff.origin, `GET /graphql?query=${encodeURIComponent(PROBE)} HTTP/1.0\r\napollo-require-preflight: true`),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'oversized body (200 KiB)',
    request: query(`{ product(id: "p-00001") { id } } # ${'x'.repeat(200 * 1024)}`),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'invalid JSON',
    request: (bff) => send(bff.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ product' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'empty JSON body',
    request: (bff) => send(bff.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'batched array',
    request: (bff) =>
      send(bff.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: PROBE }, { query: PROBE }]),
      }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'text/plain body (a "simple" cross-site POST)',
    request: (bff) => send(bff.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: PROBE }) }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'form-encoded body',
    request: (bff) =>
      send(bff.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `query=${encodeURIComponent(PROBE)}`,
      }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'GET mutation',
    request: (bff) =>
      send(`${bff.url}?query=${encodeURIComponent('mutation { updateProfile(input: { name: "x" }) { __typename } }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      }),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'GET without a CSRF preflight header',
    request: (bff) => send(`${bff.url}?query=${encodeURIComponent(PROBE)}`),
    status: 400,
    code: 'BAD_REQUEST',
    noBodyRequestId: true,
  },
  {
    name: 'GET with a preflight header',
    request: (bff) => send(`${bff.url}?query=${encodeURIComponent(PROBE)}`, { headers: { 'apollo-require-preflight': 'true' } }),
    status: 200,
    reachesBackends: true,
  },
  {
    name: 'PUT',
    request: (bff) =>
      send(bff.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PROBE }) }),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
];

before(async () => {
  [backends, issuer] = await Promise.all([startBackendsProcess(), createTestIssuer()]);
});
after(async () => {
  await backends?.stop();
});

for (const name of ['mobile', 'web'] as const) {
  describe(`bff-${name} edge`, () => {
    let bff: RunningBff;
    before(async () => {
      bff = await startSecuredBff(name, backends, issuer);
    });
    after(async () => {
      await bff?.close();
    });

    for (const row of rows.filter((r) => r.only === undefined || r.only === name)) {
      test(row.name, async () => {
        const callsBefore = await backendCalls(backends);
        const res = await row.request(bff);
        const calls = (await backendCalls(backends)) - callsBefore;

        assert.equal(res.status, row.status, res.text.slice(0, 300));
        assert.ok(res.requestId, 'every answer names its request in x-request-id');
        assert.match(res.contentType, /^application\/(graphql-response\+)?json/);
        if (row.code) {
          const error = res.body.errors?.[0];
          assert.equal(error?.extensions?.code, row.code, res.text.slice(0, 300));
          if (!row.noBodyRequestId) assert.equal(error?.extensions?.requestId, res.requestId);
          if (row.reason) assert.equal(error?.extensions?.reason, row.reason);
          assert.equal(res.body.data, undefined, 'a refused request has no data');
        } else {
          assert.equal(res.body.errors, undefined, res.text.slice(0, 300));
        }
        if (row.reachesBackends) assert.ok(calls > 0, 'the probe reaches the catalog when admitted');
        else assert.equal(calls, 0, 'no backend call');
        // A bad credential gets one body whatever the cause: the reason is only logged.
        if (row.code === 'UNAUTHENTICATED' && row.status === 401 && !row.name.includes('myOrders') && !row.name.includes('order(id)')) {
          assert.deepEqual(Object.keys(res.body.errors![0]!.extensions!).sort(), ['code', 'requestId']);
          assert.match(res.body.errors![0]!.message, new RegExp(`^(${INVALID_TOKEN_MESSAGE.replace(/\./g, '\\.')}|Invalid API key\\.)$`));
        }
      });
    }
  });
}
