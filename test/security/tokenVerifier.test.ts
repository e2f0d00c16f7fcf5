/**
 * createTokenVerifier against a JWKS server the test controls, at a controlled clock: key
 * rotation, the bounded re-fetch on an unknown kid, and an unreachable identity provider.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { JWK } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/createTokenVerifier.js';
import type { BffConfig } from '../../src/config/loadConfig.js';
import { BffError } from '../../src/errors/BffError.js';
import { AUDIENCE, createTestIssuer, ISSUER, NOW, NOW_S, type TestIssuer } from './testIssuer.js';

/** A JWKS endpoint whose key set and availability the test switches, counting fetches. */
class JwksServer {
  keys: JWK[] = [];
  up = true;
  fetches = 0;
  readonly server: Server = createServer((_req, res) => {
    this.fetches++;
    if (!this.up) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });
  url = '';
  async start() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/jwks.json`;
  }
}

function authFor(jwksUrl: string, jwks: Partial<BffConfig['auth']['jwks']> = {}): BffConfig['auth'] {
  return {
    jwksUrl,
    jwksFile: undefined,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    clockToleranceSeconds: 30,
    maxTokenBytes: 4096,
    jwks: { cooldownMs: 60_000, cacheMaxAgeMs: 600_000, timeoutMs: 1_000, ...jwks },
    apiKeys: [],
  };
}

async function refusal(verify: TokenVerifier, token: string): Promise<{ code: string; reason: string | undefined }> {
  try {
    await verify(token);
  } catch (error) {
    assert.ok(error instanceof BffError, String(error));
    return { code: error.code, reason: error.reason };
  }
  assert.fail('the token was accepted');
}

let jwks: JwksServer;
let first: TestIssuer;
let second: TestIssuer;
before(async () => {
  jwks = new JwksServer();
  [first, second] = await Promise.all([createTestIssuer('key-1'), createTestIssuer('key-2'), jwks.start()]);
});
after(() => {
  jwks.server.close();
});

test('the clock decides exp and nbf, with the configured tolerance', async () => {
  jwks.keys = first.jwks.keys;
  const verify = createTokenVerifier({ auth: authFor(jwks.url), now: NOW });
  assert.equal((await verify(await first.sign('u-1', { nbf: NOW_S + 20 }))).userId, 'u-1', 'nbf 20 s ahead is within tolerance');
  assert.deepEqual(await refusal(verify, await first.sign('u-1', { nbf: NOW_S + 60 })), {
    code: 'UNAUTHENTICATED',
    reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED:nbf',
  });
  assert.deepEqual(await refusal(verify, await first.sign('u-1', { exp: NOW_S - 31 })), {
    code: 'UNAUTHENTICATED',
    reason: 'ERR_JWT_EXPIRED',
  });
  const later = createTokenVerifier({ auth: authFor(jwks.url), now: () => new Date((NOW_S + 7200) * 1000) });
  assert.equal((await refusal(later, await first.sign('u-1'))).reason, 'ERR_JWT_EXPIRED', 'the same token expires when the clock moves on');
});

test('each refusal is logged with its own reason', async () => {
  jwks.keys = first.jwks.keys;
  const verify = createTokenVerifier({ auth: authFor(jwks.url), now: NOW });
  assert.equal((await refusal(verify, first.unsigned('u-1'))).reason, 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.equal((await refusal(verify, await first.hs256WithPublicKey('u-1'))).reason, 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.equal((await refusal(verify, await first.sign('u-1', { aud: 'other' }))).reason, 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud');
  assert.equal((await refusal(verify, await first.sign('u-1', { iss: 'other' }))).reason, 'ERR_JWT_CLAIM_VALIDATION_FAILED:iss');
  assert.equal((await refusal(verify, await first.sign('u-1', { scope: 'x'.repeat(5000) }))).reason, 'token_too_large');
  assert.equal((await refusal(verify, 'a.b')).reason, 'malformed_token');
});

test('rotation: an unknown kid re-fetches the key set once the cooldown is over', async () => {
  jwks.keys = first.jwks.keys;
  jwks.fetches = 0;
  const verify = createTokenVerifier({ auth: authFor(jwks.url, { cooldownMs: 0 }), now: NOW });
  await verify(await first.sign('u-1'));
  assert.equal(jwks.fetches, 1);
  jwks.keys = [...second.jwks.keys, ...first.jwks.keys]; // the IdP rotated; the old key stays published
  assert.equal((await verify(await second.sign('u-2'))).userId, 'u-2');
  assert.equal(jwks.fetches, 2);
  assert.equal((await verify(await first.sign('u-1'))).userId, 'u-1', 'tokens of the previous key still verify');
  assert.equal(jwks.fetches, 2);
});

test('a flood of unknown kids costs the IdP nothing within the cooldown', async () => {
  jwks.keys = first.jwks.keys;
  jwks.fetches = 0;
  const verify = createTokenVerifier({ auth: authFor(jwks.url, { cooldownMs: 60_000 }), now: NOW });
  await verify(await first.sign('u-1'));
  for (let i = 0; i < 5; i++) assert.equal((await refusal(verify, await second.sign('u-2'))).reason, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(jwks.fetches, 1);
});

test('the IdP down: cached keys still verify, an unknown kid is 503, never 401', async () => {
  jwks.keys = first.jwks.keys;
  jwks.up = true;
  // cacheMaxAge 0: every verification asks the IdP again, so its outage is seen at once.
  const verify = createTokenVerifier({ auth: authFor(jwks.url, { cooldownMs: 0, cacheMaxAgeMs: 0 }), now: NOW });
  await verify(await first.sign('u-1'));
  jwks.up = false;
  try {
    assert.equal((await verify(await first.sign('u-1'))).userId, 'u-1');
    assert.deepEqual(await refusal(verify, await second.sign('u-2')), {
      code: 'IDENTITY_PROVIDER_UNAVAILABLE',
      reason: 'jwks_unavailable',
    });
  } finally {
    jwks.up = true;
  }
});

test('the IdP unreachable from the start is 503', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const url = `http://127.0.0.1:${(closed.address() as { port: number }).port}/jwks.json`;
  closed.close();
  await once(closed, 'close');
  const verify = createTokenVerifier({ auth: authFor(url), now: NOW });
  const error = await refusal(verify, await first.sign('u-1'));
  assert.equal(error.code, 'IDENTITY_PROVIDER_UNAVAILABLE');
});

test('misconfiguration fails at start-up', () => {
  assert.throws(() => createTokenVerifier({ auth: { ...authFor(''), jwksUrl: undefined } }), /set JWKS_URL or JWKS_FILE/);
  assert.throws(
    () => createTokenVerifier({ auth: { ...authFor(''), jwksUrl: undefined, jwksFile: '/nonexistent.json' } }),
    /JWKS_FILE \/nonexistent.json/,
  );
});

test('verified tokens are cached by their text until exp (at most the max age); refusals never are', async () => {
  jwks.keys = first.jwks.keys;
  let now = NOW_S * 1000;
  const auth = { ...authFor(jwks.url), verifiedTokens: { maxEntries: 100, maxAgeMs: 60_000 } };
  const verify = createTokenVerifier({ auth, now: () => new Date(now) });
  const token = await first.sign('u-1', { exp: NOW_S + 90 });
  assert.equal((await verify(token)).userId, 'u-1');
  assert.equal((await verify(token)).userId, 'u-1');
  assert.equal(verify.cacheHits, 1, 'the second verification came from the cache');

  // Past the max age the token is verified again (and cached again, now until its exp).
  now += 61_000;
  assert.equal((await verify(token)).userId, 'u-1');
  assert.equal(verify.cacheHits, 1);
  // Past its exp (and the tolerance) the cache does not keep it alive.
  now = (NOW_S + 90 + 31) * 1000;
  assert.equal((await refusal(verify, token)).reason, 'ERR_JWT_EXPIRED');
  assert.equal(verify.cacheHits, 1);

  const bad = await first.sign('u-2', { aud: 'other' });
  for (let i = 0; i < 2; i++) assert.equal((await refusal(verify, bad)).reason, 'ERR_JWT_CLAIM_VALIDATION_FAILED:aud');
  assert.equal(verify.cacheHits, 1, 'a refused token is checked every time');

  const uncached = createTokenVerifier({ auth: authFor(jwks.url), now: NOW });
  const other = await first.sign('u-3');
  await uncached(other);
  await uncached(other);
  assert.equal(uncached.cacheHits, 0, 'without verifiedTokens nothing is cached');
});
