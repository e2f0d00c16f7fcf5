import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/loadConfig.js';
import { createMessageQueue } from '../../src/messaging/createMessageQueue.js';
import { HttpQueue } from '../../src/messaging/HttpQueue.js';
import { MemoryQueue } from '../../src/messaging/MemoryQueue.js';
import { QueueError, type QueueMessage } from '../../src/messaging/MessageQueue.js';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';

// The in-process queue keeps the broker's contract: fan-out to every subscriber, one consumer
// per message within a group, redelivery of what a handler did not finish, dead letters, and a
// bounded buffer for slow readers.

const message = (key: string, body: unknown = {}) => ({ type: 'test', key, headers: { 'x-request-id': key }, body });

test('fan-out: every subscriber sees every later message, in order', async () => {
  const queue = new MemoryQueue();
  await queue.publish('t', message('before'));
  const a: string[] = [];
  const b: string[] = [];
  const subs = [queue.subscribe('t', (m) => void a.push(m.key)), queue.subscribe('t', async (m) => void b.push(m.key))];
  for (const key of ['1', '2', '3']) await queue.publish('t', message(key));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(a, ['1', '2', '3']);
  assert.deepEqual(b, ['1', '2', '3']);
  await Promise.all(subs.map((s) => s.close()));
  await queue.close();
});

test('a consumer group shares messages; a failed handler gets its message again, with the delivery count', async () => {
  const queue = new MemoryQueue();
  const seen: [string, string, number][] = [];
  let failOnce = true;
  const handler = (name: string) => async (m: QueueMessage) => {
    seen.push([name, m.key, m.deliveries]);
    if (m.key === 'k2' && failOnce) {
      failOnce = false;
      throw new Error('handler failed');
    }
  };
  // Published before any consumer exists: a new group starts from the oldest message kept.
  for (const key of ['k1', 'k2', 'k3']) await queue.publish('work', message(key));
  const errors: unknown[] = [];
  const c1 = queue.consume('work', 'g', handler('c1'), { claimIdleMs: 10, onError: (e) => errors.push(e) });
  const c2 = queue.consume('work', 'g', handler('c2'), { claimIdleMs: 10, onError: (e) => errors.push(e) });
  while (queue.pendingCount('work', 'g') > 0 || seen.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
  const keys = seen.map(([, key]) => key).sort();
  assert.deepEqual(keys, ['k1', 'k2', 'k2', 'k3']);
  assert.deepEqual(
    seen.filter(([, key]) => key === 'k2').map(([, , n]) => n),
    [1, 2],
  );
  assert.equal(errors.length, 1);
  await Promise.all([c1.close(), c2.close()]);
  await queue.close();
});

test('a message that keeps failing goes to <topic>.dead after maxDeliveries', async () => {
  const queue = new MemoryQueue();
  const dead: QueueMessage[] = [];
  const deadSub = queue.subscribe('poison.dead', (m) => void dead.push(m));
  let attempts = 0;
  const consumer = queue.consume(
    'poison',
    'g',
    () => {
      attempts++;
      throw new Error('never works');
    },
    { claimIdleMs: 1, maxDeliveries: 3 },
  );
  await queue.publish('poison', message('bad'));
  while (dead.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(attempts, 3);
  assert.equal(dead[0]!.key, 'bad');
  assert.equal(queue.pendingCount('poison', 'g'), 0);
  await Promise.all([consumer.close(), deadSub.close()]);
  await queue.close();
});

test('events(): a reader that does not read keeps at most bufferSize messages, the newest', async () => {
  const queue = new MemoryQueue();
  const controller = new AbortController();
  const events = queue.events<{ n: number }>('feed', { signal: controller.signal, bufferSize: 2 });
  for (let n = 1; n <= 5; n++) await queue.publish('feed', message(`e${n}`, { n }));
  await new Promise((resolve) => setImmediate(resolve));
  const first = await events.next();
  const second = await events.next();
  assert.deepEqual([first.value?.body.n, second.value?.body.n], [4, 5]);
  controller.abort();
  assert.equal((await events.next()).done, true);
  await queue.close();
});

test('HttpQueue: an embedded broker that is not there is broker_unavailable, not a success', async () => {
  // A port that was just free: nothing listens on it.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  const queue = new HttpQueue({ url: `http://127.0.0.1:${port}` });
  await assert.rejects(
    queue.publish('t', message('k')),
    (error: unknown) => error instanceof QueueError && error.reason === 'broker_unavailable',
  );
  assert.equal(queue.connected, false);
  await queue.close();
});

test('BROKER_URL: the embedded broker by default, a bad value stops the start naming the variable', async () => {
  const config = loadConfig(mobileProfile, {});
  assert.deepEqual(config.broker, { url: 'http://127.0.0.1:5007', publishTimeoutMs: 1000 });
  assert.throws(
    () => loadConfig(mobileProfile, { BROKER_URL: 'amqp://rabbit' }),
    (e: unknown) => e instanceof ConfigError && /BROKER_URL/.test(e.message),
  );
  assert.equal((await createMessageQueue('memory:')).kind, 'memory');
  assert.equal((await createMessageQueue('http://127.0.0.1:5007')).kind, 'http');
  await assert.rejects(createMessageQueue('amqp://rabbit'), TypeError);
});
