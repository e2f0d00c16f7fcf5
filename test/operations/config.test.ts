import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/loadConfig.js';
import { webProfile } from '../../bff-web/webProfile.js';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';

// The optional settings file (BFF_CONFIG_FILE) under the environment; the process-level
// check (a bad value exits 1) is in lifecycle.test.ts.

function settingsFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bff-config-')), 'settings.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('the settings file fills in what the environment does not set; the environment wins', () => {
  const file = settingsFile({
    BFF_PORT: 4100,
    RATE_LIMIT_ENABLED: true,
    RATE_LIMIT_PLANS: ['partner:100', 'free:10'],
    SHED_MAX_IN_FLIGHT: 64,
  });
  const config = loadConfig(webProfile, { BFF_CONFIG_FILE: file, SHED_MAX_IN_FLIGHT: '8' });
  assert.equal(config.port, 4100);
  assert.equal(config.rateLimit.enabled, true);
  assert.deepEqual(config.rateLimit.plans, { partner: 100, free: 10 });
  assert.equal(config.shedding.maxInFlight, 8);
});

test('defaults: rate limits on only in production, the in-flight cap on, ELU shedding, cluster mode and V8 pretenuring off', () => {
  const dev = loadConfig(mobileProfile, {});
  assert.equal(dev.rateLimit.enabled, false);
  assert.equal(dev.shedding.maxInFlight, 512);
  assert.equal(dev.shedding.maxEventLoopUtilization, undefined);
  assert.equal(dev.workers, 1);
  assert.equal(dev.shutdownTimeoutMs, 10_000);
  assert.equal(dev.pretenuring, false);
  assert.equal(loadConfig(mobileProfile, { BFF_V8_PRETENURING: 'true' }).pretenuring, true);
  assert.throws(() => loadConfig(mobileProfile, { BFF_V8_PRETENURING: 'sometimes' }), /BFF_V8_PRETENURING/);
  const prod = loadConfig(mobileProfile, { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'a-production-secret-value' });
  assert.equal(prod.rateLimit.enabled, true);
});

test('the admin port: BFF_PORT + 100 on loopback unless set; ephemeral beside an ephemeral BFF_PORT; never the public port', () => {
  assert.deepEqual(loadConfig(mobileProfile, {}).admin, { host: '127.0.0.1', port: 4101 });
  assert.deepEqual(loadConfig(webProfile, {}).admin, { host: '127.0.0.1', port: 4102 });
  assert.equal(loadConfig(webProfile, { BFF_PORT: '8080' }).admin.port, 8180);
  assert.equal(loadConfig(webProfile, { BFF_PORT: '0' }).admin.port, 0);
  assert.deepEqual(loadConfig(webProfile, { BFF_ADMIN_HOST: '0.0.0.0', BFF_ADMIN_PORT: '9090' }).admin, { host: '0.0.0.0', port: 9090 });
  assert.throws(() => loadConfig(webProfile, { BFF_PORT: '4002', BFF_ADMIN_PORT: '4002' }), /BFF_ADMIN_PORT: must differ from BFF_PORT/);
  assert.throws(() => loadConfig(webProfile, { BFF_PORT: '65500' }), /BFF_ADMIN_PORT: must be set when BFF_PORT is above 65435/);
  assert.throws(() => loadConfig(webProfile, { BFF_ADMIN_PORT: 'off' }), /BFF_ADMIN_PORT/);
});

for (const [what, content, pattern] of [
  ['a value that is wrong', { BFF_PORT: 'abc' }, /BFF_PORT/],
  ['a key that is not a setting', { BFF_PROT: 4100 }, /BFF_CONFIG_FILE: BFF_PROT is not a setting/],
  ['a file that is not JSON', '{ BFF_PORT: 4100', /BFF_CONFIG_FILE: cannot read/],
  ['JSON that is not an object', [4100], /BFF_CONFIG_FILE: .* must hold one JSON object/],
  ['a nested object', { RATE_LIMIT_PLANS: { partner: 1 } }, /RATE_LIMIT_PLANS must be a string, number, boolean or list/],
] as const) {
  test(`the settings file with ${what} is refused with a message naming it`, () => {
    assert.throws(
      () => loadConfig(webProfile, { BFF_CONFIG_FILE: settingsFile(content) }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, pattern);
        return true;
      },
    );
  });
}

test('a missing settings file is named', () => {
  assert.throws(
    () => loadConfig(webProfile, { BFF_CONFIG_FILE: '/nonexistent/settings.json' }),
    /BFF_CONFIG_FILE: cannot read \/nonexistent/,
  );
});

// Every list setting, both ways: as the environment's text and as a JSON array in the
// settings file; both must give the same configuration. API_KEYS is JSON in the environment
// too, so its array in the file is that JSON, not a comma-joined list.
const apiKey = { client: 'acme', sha256: 'a'.repeat(64), bffs: ['web'], plan: 'partner' };
for (const [setting, list, envText, read] of [
  [
    'API_KEYS',
    [apiKey],
    JSON.stringify([apiKey]),
    (c) => c.auth.apiKeys.map((k) => `${k.client}:${k.sha256}:${k.bffs.join('+')}:${k.plan}`),
  ],
  ['JWT_ALGORITHMS', ['ES256', 'EdDSA'], 'ES256, EdDSA', (c) => c.auth.algorithms],
  [
    'RATE_LIMIT_PLANS',
    ['partner:6000', 'free:10'],
    'partner:6000,free:10',
    (c) => Object.entries(c.rateLimit.plans).map(([p, n]) => `${p}:${n}`),
  ],
] as const satisfies readonly (readonly [string, unknown[], string, (c: ReturnType<typeof loadConfig>) => string[]])[]) {
  test(`the list setting ${setting} reads the same from the environment and as a JSON array in the settings file`, () => {
    const fromEnv = read(loadConfig(webProfile, { [setting]: envText }));
    const fromFile = read(loadConfig(webProfile, { BFF_CONFIG_FILE: settingsFile({ [setting]: list }) }));
    assert.ok(fromEnv.length === list.length, `${setting} from the environment: ${fromEnv.join(' ')}`);
    assert.deepEqual(fromFile, fromEnv);
  });
}

test('.env.example is a valid production configuration for both BFFs', async () => {
  const { parseEnv } = await import('node:util');
  const env = parseEnv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')) as Record<string, string>;
  assert.equal(env.NODE_ENV, 'production');
  for (const profile of [mobileProfile, webProfile]) {
    const config = loadConfig(profile, env);
    assert.equal(config.production, true);
    assert.equal(config.identitySecret, env.IDENTITY_HMAC_SECRET);
  }
});

test('a gRPC backend address is host:port or a target naming several endpoints; anything else is refused by name', () => {
  for (const address of ['orders:5003', 'dns:///orders-headless.shop.svc:5003', 'ipv4:10.0.0.7:5003,10.0.0.8:5003']) {
    assert.equal(loadConfig(mobileProfile, { ORDERS_ADDR: address }).backends.orders!.address, address);
  }
  for (const address of ['orders', 'http://orders:5003', 'ipv4:10.0.0.7']) {
    assert.throws(
      () => loadConfig(mobileProfile, { ORDERS_ADDR: address }),
      (error: unknown) => error instanceof ConfigError && /ORDERS_ADDR/.test(error.message),
      address,
    );
  }
  assert.deepEqual(loadConfig(mobileProfile, { GRPC_OUTLIER_INTERVAL_MS: '500' }).upstream.outlierDetection, {
    failurePercent: 50,
    minCalls: 20,
    intervalMs: 500,
    ejectionMs: 30_000,
  });
});
