import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { seed } from '../../backends/seed/seedData.js';
import { TICKETS, type ReturnTicket } from '../../backends/returns/createReturnsService.js';
import { subscribeOrderEvents, Topics, Groups, type OrderEvent } from '../../src/messaging/topics.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, startBff, tokenFor } from '../fixtures/startBffs.js';
import { hasRedisServer, requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

// The real broker: Redis Streams and consumer groups, with real processes — the backends, BFF
// processes, and returns workers started (and crashed) on their own.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REQUEST_RETURN = operation('mobile', 'RequestReturn').query;
const USER = 'u-00042';
const ownOrder = seed.orders.find((o) => o.userId === USER)!;
const poll = () => new Promise((resolve) => setTimeout(resolve, 20));

interface Worker {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Runs backends/returns/main.ts: one more consumer in the `returns` group. */
function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'backends/returns/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of [...waiters]) if (w.match(line)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(line);
  });
  return {
    child,
    lines,
    exited,
    // A worker that exits first rejects with what it said, instead of hanging the test.
    waitFor: (match) => {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve })),
        exited.then((code) => {
          throw new Error(`returns worker exited (${code}) first:\n${stderr}`);
        }),
      ]);
    },
  };
}

let redis: RedisProcess | undefined;
let backends: BackendsProcess | undefined;
const workers: Worker[] = [];
const bffs: BffProcess[] = [];

before(async () => {
  // Without redis-server each test skips (or fails, in CI) through requireRedis.
  if (!hasRedisServer()) return;
  redis = await startRedis();
  // The consumers run in workers of their own here, so that one can crash.
  backends = await startBackendsProcess({ BROKER_URL: redis.url, BACKENDS_CONSUMERS: 'false' });
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all(bffs.map((b) => b.kill()));
  await backends?.stop();
  await redis?.stop();
});

describe('Redis Streams broker', () => {
  test('a queued write is processed exactly once despite a crash before the ack and a client retry', async (t) => {
    if (!requireRedis(t)) return;
    const url = redis!.url;
    const mobile = await startBffProcess('mobile', backends!, { BROKER_URL: url });
    bffs.push(mobile);
    const headers = {
      authorization: `Bearer ${await tokenFor(backends!, USER)}`,
      'idempotency-key': 'crash-test-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    // The first worker stores the ticket, then dies before it acknowledges the message.
    const crashing = startWorker({
      BROKER_URL: url,
      RETURNS_CONSUMER: 'crashing',
      RETURNS_CRASH_AFTER_STORE: '1',
      QUEUE_CLAIM_IDLE_MS: '200',
    });
    workers.push(crashing);
    await crashing.waitFor((l) => l.event === 'returns.ready');
    const first = await gql<{ requestReturn: { ticketId: string } }>(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, headers);
    assert.equal(first.body.errors, undefined);
    const ticketId = first.body.data!.requestReturn.ticketId;
    assert.equal(await crashing.exited, 70);
    assert.equal(crashing.lines.filter((l) => l.event === 'returns.processed').length, 1);

    const client = createClient({ url });
    await client.connect();
    try {
      // The message is still pending for the dead consumer.
      const pending = (await client.sendCommand(['XPENDING', Topics.returnRequests, Groups.returns])) as [number, ...unknown[]];
      assert.equal(Number(pending[0]), 1);

      // A second worker takes it over once it has been idle, and the client retries meanwhile.
      const survivor = startWorker({ BROKER_URL: url, RETURNS_CONSUMER: 'survivor', QUEUE_CLAIM_IDLE_MS: '200' });
      workers.push(survivor);
      await survivor.waitFor((l) => l.event === 'returns.ready');
      const retry = await gql<{ requestReturn: { ticketId: string } }>(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, headers);
      assert.equal(retry.body.data!.requestReturn.ticketId, ticketId);
      await survivor.waitFor((l) => l.event === 'returns.duplicate' && l.deliveries === 2);
      while (survivor.lines.filter((l) => l.event === 'returns.duplicate').length < 2) await poll();
      while (Number(((await client.sendCommand(['XPENDING', Topics.returnRequests, Groups.returns])) as [number])[0]) !== 0) await poll();

      // Three deliveries (crash, redelivery, retry), one ticket, made by the worker that crashed.
      assert.equal(survivor.lines.filter((l) => l.event === 'returns.processed').length, 0);
      assert.equal(await client.hLen(TICKETS), 1);
      const ticket = JSON.parse((await client.hGet(TICKETS, `mobile:${USER}:crash-test-1`))!) as ReturnTicket;
      assert.equal(ticket.ticketId, ticketId);
      assert.equal(ticket.processedBy, 'crashing');
      assert.equal(ticket.userId, USER);
      // The trace context travelled with the message.
      assert.match(ticket.traceparent!, /^00-0af7651916cd43dd8448eb211c80319c-/);
      survivor.child.kill('SIGTERM');
      assert.equal(await survivor.exited, 0);
    } finally {
      await client.close();
    }
  });

  test('two BFF replicas both receive every order event from one broker', async (t) => {
    if (!requireRedis(t)) return;
    const env = { BROKER_URL: redis!.url };
    const [a, b, mobile] = await Promise.all([
      startBff('web', backends!, env),
      startBff('web', backends!, env),
      startBff('mobile', backends!, env),
    ]);
    try {
      const seen: [OrderEvent[], OrderEvent[]] = [[], []];
      const subs = [a, b].map((bff, i) => subscribeOrderEvents(bff.server.queue, (event) => void seen[i]!.push(event)));
      await Promise.all(subs.map((s) => s.ready));
      const product = seed.stock.find((s) => s.totalAvailable > 10)!.productId;
      const price = seed.products.find((p) => p.id === product)!.price.amountCents;
      const placed = await gql<{ placeOrder: { order: { id: string } } }>(
        mobile.url,
        operation('mobile', 'PlaceOrder').query,
        {
          input: { items: [{ productId: product, quantity: 1, expectedUnitPriceCents: price }], idempotencyKey: `replicas-${process.pid}` },
        },
        { authorization: `Bearer ${await tokenFor(backends!, USER)}` },
      );
      const orderId = placed.body.data!.placeOrder.order.id;
      for (let i = 0; i < 3; i++) await fetch(`${backends!.urls.admin}/orders/advance`, { method: 'POST' });
      const mine = (events: OrderEvent[]) => events.filter((e) => e.order.id === orderId);
      while (!seen.every((events) => mine(events).length >= 4)) await poll();
      const expected = [
        ['ORDER_PLACED', 'ORDER_STATUS_PENDING'],
        ['ORDER_STATUS_CHANGED', 'ORDER_STATUS_PAID'],
        ['ORDER_STATUS_CHANGED', 'ORDER_STATUS_SHIPPED'],
        ['ORDER_STATUS_CHANGED', 'ORDER_STATUS_DELIVERED'],
      ];
      for (const events of seen)
        assert.deepEqual(
          mine(events).map((e) => [e.kind, e.order.status]),
          expected,
        );
      assert.deepEqual(
        mine(seen[0]).map((e) => e.id),
        mine(seen[1]).map((e) => e.id),
      );
      await Promise.all(subs.map((s) => s.close()));
    } finally {
      await Promise.all([a.close(), b.close(), mobile.close()]);
    }
  });

  test('broker stopped mid-test: the mutation answers UPSTREAM_UNAVAILABLE, the BFF stays up and ready, and recovers', async (t) => {
    if (!requireRedis(t)) return;
    // A broker of its own, to stop without disturbing the other tests.
    let broker = await startRedis();
    try {
      const mobile = await startBffProcess('mobile', backends!, { BROKER_URL: broker.url });
      bffs.push(mobile);
      const auth = { authorization: `Bearer ${await tokenFor(backends!, USER)}` };
      const ok = await gql<{ requestReturn: { ticketId: string } }>(mobile.url, REQUEST_RETURN, { orderId: ownOrder.id }, auth);
      assert.equal(ok.body.errors, undefined);

      await broker.stop();
      // The broker is reported in /dependencies (never a readiness gate).
      const dependencies = async () =>
        (await fetch(`${mobile.adminOrigin}/dependencies`)).json() as Promise<{ broker?: { ok: boolean; detail: string } }>;
      while (!(await dependencies()).broker?.detail.includes('unreachable')) await poll();

      const failed = await gql<{ requestReturn: unknown }>(
        mobile.url,
        REQUEST_RETURN,
        { orderId: ownOrder.id },
        { ...auth, 'idempotency-key': 'while-down' },
      );
      assert.equal(failed.status, 200);
      assert.equal(failed.body.data, null);
      const error = failed.body.errors![0]!;
      assert.equal(error.extensions!.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(error.extensions!.upstream, 'queue');
      assert.equal(error.extensions!.reason, 'broker_unavailable');
      assert.deepEqual(error.path, ['requestReturn']);

      // Still alive and ready; reads are not affected.
      const res = await fetch(`${mobile.origin}/readyz`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ready');
      const product = await gql<{ product: { id: string } }>(mobile.url, 'query { product(id: "p-00001") { id } }');
      assert.equal(product.body.data!.product.id, 'p-00001');
      assert.equal(mobile.child.exitCode, null);

      // The broker comes back where it was: publishing works again without a restart.
      broker = await startRedis(broker.port);
      while ((await dependencies()).broker?.detail.includes('unreachable')) await poll();
      const again = await gql<{ requestReturn: { ticketId: string } }>(
        mobile.url,
        REQUEST_RETURN,
        { orderId: ownOrder.id },
        { ...auth, 'idempotency-key': 'while-down' },
      );
      assert.equal(again.body.errors, undefined);
    } finally {
      await broker.stop();
    }
  });
});
