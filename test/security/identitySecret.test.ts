import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { probeIdentity } from '../../src/auth/probeIdentity.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';

// The BFF and the backends must share IDENTITY_HMAC_SECRET; when they do not, every backend
// call is refused. The BFF finds out with one signed probe call: /readyz says not ready and why
// (and runServer logs it at start, see docs/operations.md).
const BACKENDS_SECRET = 'the-backends-secret-0123456789';
let backends: BackendsProcess;
const bffs: RunningBff[] = [];
before(async () => {
  backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: BACKENDS_SECRET });
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await backends?.stop();
});

async function readiness(bff: RunningBff) {
  const res = await fetch(`${bff.adminOrigin}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: { identity?: { ok: boolean; detail: string } } } };
}

test('a BFF whose secret differs from the backends: /readyz is 503 and names IDENTITY_HMAC_SECRET', async () => {
  const bff = await startBff('web', backends, { IDENTITY_HMAC_SECRET: 'a-different-secret-0123456789' });
  bffs.push(bff);
  const { status, body } = await readiness(bff);
  assert.equal(status, 503);
  assert.equal(body.checks.identity?.ok, false);
  assert.match(body.checks.identity?.detail ?? '', /IDENTITY_HMAC_SECRET differs/);
});

test('a BFF with the backends secret: the identity check passes and /readyz is 200', async () => {
  const bff = await startBff('mobile', backends, { IDENTITY_HMAC_SECRET: BACKENDS_SECRET });
  bffs.push(bff);
  const { status, body } = await readiness(bff);
  assert.equal(body.checks.identity?.ok, true);
  assert.equal(status, 200);
});

test('the probe says unknown, not rejected, when the backend cannot be reached', async () => {
  const probe = await probeIdentity({ usersUrl: 'http://127.0.0.1:9', client: 'web', secret: BACKENDS_SECRET, timeoutMs: 2_000 });
  assert.equal(probe.verdict, 'unknown');
});
