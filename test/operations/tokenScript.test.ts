import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';

// `TOKEN=$(npm run -s token -- --sub …)`, as the README shows it: stdout holds the token alone
// (npm's own "> graphql-bff token" banner is what -s silences), the hints go to stderr.
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
let backends: BackendsProcess;
before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await backends?.stop();
});

test('npm run -s token prints the token alone on stdout; the hint goes to stderr', { timeout: 60_000 }, async () => {
  const { stdout, stderr } = await run('npm', ['run', '-s', 'token', '--', '--sub', 'u-00007', '--staff'], {
    cwd: root,
    env: { ...process.env, IDP_URL: backends.urls.idp },
  });
  assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const claims = JSON.parse(Buffer.from(stdout.split('.')[1]!, 'base64url').toString()) as { sub: string; scope: string };
  assert.equal(claims.sub, 'u-00007');
  assert.match(claims.scope, /orders:read:all/);
  assert.match(stderr, /Authorization: Bearer/);
});

test('without --sub it exits 2 with the usage on stderr and nothing on stdout', { timeout: 60_000 }, async () => {
  await assert.rejects(
    run('npm', ['run', '-s', 'token'], { cwd: root, env: { ...process.env, IDP_URL: backends.urls.idp } }),
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.equal(error.stdout, '');
      assert.match(error.stderr ?? '', /--sub is required/);
      return true;
    },
  );
});
