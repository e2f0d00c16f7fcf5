/**
 * In production a client sees only reasons from the closed list (docs/security.md, "Error
 * reasons"); the transport detail behind them stays in the log.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { PUBLIC_REASONS } from '../../src/errors/publicReason.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import type { RunningBff } from '../fixtures/startBffs.js';
import { post, startSecuredBff } from './startSecuredBff.js';
import { createTestIssuer, type TestIssuer } from './testIssuer.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me',
  RATE_LIMIT_ENABLED: 'false',
  UPSTREAM_RETRIES: '0',
};
const QUERY = '{ product(id: "p-00001") { id title stock { totalAvailable } } }';

let backends: BackendsProcess;
let issuer: TestIssuer;
const bffs: RunningBff[] = [];
before(async () => {
  [backends, issuer] = await Promise.all([startBackendsProcess(), createTestIssuer()]);
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await backends?.stop();
});

test('production: a backend answering 431 or a gRPC UNAVAILABLE shows a listed reason; the detail is logged', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const prod = await startSecuredBff('web', backends, issuer, PRODUCTION, { logger: pino({ level: 'info' }, sink) });
  const dev = await startSecuredBff('web', backends, issuer, { UPSTREAM_RETRIES: '0' });
  bffs.push(prod, dev);
  await backends.admin.faults({ catalog: { errorRate: 1, httpStatus: 431 }, inventory: { errorRate: 1, grpcCode: 'UNAVAILABLE' } });
  try {
    const shown = await post(prod.url, { query: QUERY });
    const reasons = shown.body.errors?.map((e) => e.extensions?.reason) ?? [];
    assert.ok(reasons.length > 0, shown.text);
    for (const reason of reasons) {
      assert.equal(typeof reason, 'string');
      assert.ok(PUBLIC_REASONS.has(reason as string), `${String(reason)} is not on the list`);
    }
    assert.doesNotMatch(shown.text, /http_431|grpc_/);
    const logged = lines.filter((l) => l.msg === 'error detail withheld from the client').map((l) => l.reason);
    assert.ok(logged.includes('http_431'), JSON.stringify(logged));

    // Outside production the detail is shown, for the developer.
    const detailed = await post(dev.url, { query: QUERY });
    assert.match(detailed.text, /http_431/);
  } finally {
    await backends.admin.faults({ catalog: {}, inventory: {} });
  }
});
