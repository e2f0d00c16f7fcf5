import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApiKeyVerifier } from '../../src/auth/createApiKeyVerifier.js';
import { createAuthenticator } from '../../src/auth/createAuthenticator.js';
import type { TokenVerifier } from '../../src/auth/createTokenVerifier.js';
import { parseApiKeys } from '../../src/auth/parseApiKeys.js';
import { ConfigError, loadConfig } from '../../src/config/loadConfig.js';
import { BffError } from '../../src/errors/BffError.js';
import { webProfile } from '../../bff-web/webProfile.js';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = parseApiKeys(
  JSON.stringify([
    { client: 'acme', sha256: sha('acme-key'), bffs: ['web'], plan: 'gold', scopes: ['catalog:read'] },
    { client: 'gone', sha256: sha('gone-key').toUpperCase(), bffs: ['web'], revoked: true },
  ]),
);
const verifyApiKey = createApiKeyVerifier({ bff: 'web', keys });
const verifyToken: TokenVerifier = async () => ({ userId: 'u-7', scopes: new Set(['orders:read:self']), payload: {} });

function refused(fn: () => unknown): { code: string; reason: string | undefined } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BffError);
    return { code: error.code, reason: error.reason };
  }
  assert.fail('accepted');
}

test('a configured key resolves to its client, plan and scopes; defaults apply', () => {
  assert.deepEqual(verifyApiKey('acme-key'), { client: 'acme', plan: 'gold', scopes: new Set(['catalog:read']) });
  assert.equal(keys[1]!.plan, 'partner');
  assert.equal(keys[1]!.sha256, sha('gone-key'), 'hex is normalised to lower case');
});

test('unknown, revoked, oversized and foreign keys are refused with the right code', () => {
  assert.deepEqual(
    refused(() => verifyApiKey('nope')),
    { code: 'UNAUTHENTICATED', reason: 'unknown_api_key' },
  );
  assert.deepEqual(
    refused(() => verifyApiKey('gone-key')),
    { code: 'UNAUTHENTICATED', reason: 'revoked_api_key' },
  );
  assert.deepEqual(
    refused(() => verifyApiKey('x'.repeat(1000))),
    { code: 'UNAUTHENTICATED', reason: 'malformed_api_key' },
  );
  const mobile = createApiKeyVerifier({ bff: 'mobile', keys });
  assert.deepEqual(
    refused(() => mobile('acme-key')),
    { code: 'FORBIDDEN', reason: 'api_key_not_allowed' },
  );
});

test('a key may name any BFF (the kit names none): one API_KEYS serves every BFF, each admits only the keys that name it', () => {
  const env = {
    API_KEYS: JSON.stringify([
      { client: 'tv-app', sha256: sha('tv-key'), bffs: ['tv'] },
      { client: 'both', sha256: sha('both-key'), bffs: ['tv', 'web'] },
    ]),
  };
  const configured = loadConfig(webProfile, env).auth.apiKeys;
  assert.deepEqual(
    configured.map((k) => k.bffs),
    [['tv'], ['tv', 'web']],
  );
  const web = createApiKeyVerifier({ bff: 'web', keys: configured });
  assert.deepEqual(
    refused(() => web('tv-key')),
    { code: 'FORBIDDEN', reason: 'api_key_not_allowed' },
  );
  assert.equal(web('both-key').client, 'both');
  assert.equal(createApiKeyVerifier({ bff: 'tv', keys: configured })('tv-key').client, 'tv-app');
  assert.throws(() => loadConfig({ ...webProfile, name: 'Web App' }, {}), /a BFF's name must match/);
});

test('a key alone is an apiKey viewer; a key with a token is the user, calling through the key', async () => {
  const authenticate = createAuthenticator({ client: 'web', verifyToken, verifyApiKey });
  assert.deepEqual(await authenticate({ 'x-api-key': 'acme-key' }), {
    kind: 'apiKey',
    userId: undefined,
    scopes: new Set(['catalog:read']),
    client: 'acme',
    plan: 'gold',
  });
  assert.deepEqual(await authenticate({ 'x-api-key': 'acme-key', authorization: 'Bearer a.b.c' }), {
    kind: 'user',
    userId: 'u-7',
    scopes: new Set(['orders:read:self']),
    client: 'acme',
    plan: 'gold',
    claims: {},
  });
  assert.deepEqual(await authenticate({}), { kind: 'anonymous', userId: undefined, scopes: new Set(), client: 'web', plan: 'default' });
  await assert.rejects(
    authenticate({ 'x-api-key': ['acme-key', 'acme-key'] as unknown as string }),
    (e: BffError) => e.reason === 'repeated_api_key',
  );
});

test('bad API key configuration stops the start, naming the variable', () => {
  const bad = (env: Record<string, string>) => assert.throws(() => loadConfig(webProfile, env), ConfigError);
  bad({ API_KEYS: 'not json' });
  bad({ API_KEYS: JSON.stringify([{ client: 'a', sha256: 'abc', bffs: ['web'] }]) });
  bad({ API_KEYS: JSON.stringify([{ client: 'a', sha256: sha('k'), bffs: ['Web!'] }]) });
  bad({ API_KEYS: JSON.stringify([{ client: 'a', sha256: sha('k'), bffs: [] }]) });
  bad({
    API_KEYS: JSON.stringify([
      { client: 'a', sha256: sha('k'), bffs: ['web'] },
      { client: 'b', sha256: sha('k'), bffs: ['web'] },
    ]),
  });
  bad({ API_KEYS_FILE: '/nonexistent/keys.json' });
  const file = join(mkdtempSync(join(tmpdir(), 'bff-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify([{ client: 'acme', sha256: sha('acme-key'), bffs: ['web'] }]));
  assert.equal(loadConfig(webProfile, { API_KEYS_FILE: file }).auth.apiKeys[0]?.client, 'acme');
  assert.throws(
    () => loadConfig(webProfile, { API_KEYS: '[]', API_KEYS_FILE: file }),
    /API_KEYS_FILE: set API_KEYS or API_KEYS_FILE, not both/,
  );
  assert.throws(() => loadConfig(webProfile, { API_KEYS: '[{"client":"a"}]' }), /API_KEYS: \[0\]\.sha256: /);
});

test('edge settings: defaults per BFF and per mode, and checks between them', () => {
  const mobileDev = loadConfig(mobileProfile, {});
  const mobileProd = loadConfig(mobileProfile, { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'x'.repeat(16) });
  const web = loadConfig(webProfile, { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'x'.repeat(16) });
  assert.equal(mobileDev.persistedQueries.safelist, 'off');
  assert.equal(mobileProd.persistedQueries.safelist, 'enforce');
  assert.equal(web.persistedQueries.safelist, 'off');
  assert.ok(mobileDev.operationLimits.cost < web.operationLimits.cost);
  assert.equal(loadConfig(webProfile, { SAFELIST_MODE: 'log' }).persistedQueries.safelist, 'log');
  assert.throws(
    () => loadConfig(webProfile, { BFF_IDLE_TIMEOUT_MS: '5000', BFF_REQUEST_TIMEOUT_MS: '10000' }),
    /BFF_IDLE_TIMEOUT_MS: must be longer than BFF_REQUEST_TIMEOUT_MS/,
  );
  assert.throws(() => loadConfig(webProfile, { BFF_HEADERS_TIMEOUT_MS: '20000' }), /BFF_HEADERS_TIMEOUT_MS/);
  assert.throws(() => loadConfig(webProfile, { SAFELIST_MODE: 'strict' }), /SAFELIST_MODE/);
});
