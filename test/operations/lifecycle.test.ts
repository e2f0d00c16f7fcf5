import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { fileURLToPath } from 'node:url';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql } from '../fixtures/startBffs.js';
import { refused } from '../fixtures/refused.js';
import { until } from '../fixtures/until.js';

// The BFF as a process: its entry point, its signals, its exit codes.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let backends: BackendsProcess;
const started: BffProcess[] = [];

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(started.map((p) => p.kill()));
  await backends?.stop();
});

test('a bad setting stops the process with exit code 1 and a message naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bff-mobile/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, BFF_PORT: 'abc', SHED_MAX_ELU: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /BFF_PORT/);
  assert.match(stderr, /SHED_MAX_ELU/, 'every bad variable is named, not only the first');
});

test('SIGTERM: new connections are refused, in-flight requests finish with 200, the process exits 0', async () => {
  const bff = await startBffProcess('web', backends, { SHUTDOWN_TIMEOUT_MS: '20000' });
  started.push(bff);
  await backends.admin.reset();
  await backends.admin.faults({ catalog: { latencyMs: 800 } });
  try {
    const ids = ['p-00001', 'p-00002', 'p-00003', 'p-00004'];
    const inFlight = ids.map((id) => gql(bff.url, `query Slow($id: ID!) { product(id: $id) { id title } }`, { id }));
    // Every request has reached the (slow) catalog backend: all of them are in flight.
    await until(
      'every request at the catalog backend',
      async () => (await backends.admin.stats()).catalog.calls,
      (n) => n >= ids.length,
    );

    bff.child.kill('SIGTERM');
    await bff.waitForLine((line) => line.signal === 'SIGTERM');
    let refusals = 0;
    for (let attempt = 0; attempt < 500 && refusals === 0; attempt++) if (await refused(bff.origin)) refusals++;
    assert.equal(refusals, 1, 'new connections are refused while the in-flight requests drain');
    const settled = await Promise.race([Promise.all(inFlight).then(() => 'done'), Promise.resolve('pending')]);
    assert.equal(settled, 'pending', 'the refusal came while requests were still in flight');

    const responses = await Promise.all(inFlight);
    for (const [i, res] of responses.entries()) {
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined);
      assert.equal((res.body.data as { product: { id: string } }).product.id, ids[i]);
    }
    assert.equal(await bff.exited, 0);
    assert.ok(bff.lines.some((line) => line.msg === 'bff-web stopped' && line.cutOff === false));
  } finally {
    await backends.admin.faults({ catalog: {} });
  }
});

test('SIGTERM with an idle keep-alive connection open: the process stops at once, not at the shutdown deadline', async () => {
  // NODE_ENV=development: outside NODE_ENV=test, Apollo Server would install its own signal
  // handlers unless told not to, and its second stop waited out the whole deadline here.
  const bff = await startBffProcess('mobile', backends, { NODE_ENV: 'development', SHUTDOWN_TIMEOUT_MS: '60000' });
  started.push(bff);
  const agent = new Agent({ keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
  try {
    const res = await request(bff.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ product(id: "p-00001") { id } }' }),
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.connection, 'keep-alive');
    await res.body.text();

    bff.child.kill('SIGTERM');
    assert.equal(await bff.exited, 0);
    // Stopped by draining, not cut off by the 60 s deadline.
    assert.ok(bff.lines.some((line) => line.msg === 'bff-mobile stopped' && line.cutOff === false));
    assert.ok(!bff.lines.some((line) => String(line.msg).startsWith('shutdown deadline passed')));
  } finally {
    await agent.close();
  }
});

test('cluster mode: workers share one port, a dead worker is replaced, SIGTERM stops all with exit 0', async () => {
  // Not a test of the shutdown deadline (see the keep-alive test above): on a loaded machine two
  // workers may close more slowly than the default 10 s, which would make the exit code 1.
  const bff = await startBffProcess('mobile', backends, { BFF_WORKERS: '2', SHUTDOWN_TIMEOUT_MS: '120000' });
  started.push(bff);
  const ready = (n: number) => bff.waitForLine(() => bff.lines.filter((line) => line.event === 'bff.ready').length >= n);
  await ready(2);
  const workers = bff.lines.filter((line) => line.event === 'bff.ready');
  assert.equal(new Set(workers.map((line) => line.pid)).size, 2, 'two worker processes');
  assert.equal(new Set(workers.map((line) => line.url)).size, 1, 'one shared port');
  assert.ok(!workers.some((line) => line.pid === bff.child.pid), 'the primary serves nothing itself');

  process.kill(workers[0]!.pid as number, 'SIGKILL');
  await ready(3);
  const replacement = bff.lines.filter((line) => line.event === 'bff.ready')[2]!;
  assert.ok(!workers.some((line) => line.pid === replacement.pid));
  const res = await gql(bff.url, '{ __typename }');
  assert.equal(res.status, 200);

  bff.child.kill('SIGTERM');
  assert.equal(await bff.exited, 0);
});
