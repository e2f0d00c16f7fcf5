import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { anonymousViewer } from '../../src/auth/Viewer.js';
import { BffError } from '../../src/errors/BffError.js';
import { ErrorCode } from '../../src/errors/codes.js';
import { isStreamFailure, type Follower } from '../../src/subscriptions/EventSource.js';
import { createSharedStreams, type UpstreamSink } from '../../src/subscriptions/createSharedStreams.js';

// The hub between followers and upstream connections, with an upstream the test drives.

function follower(overflow: () => void = () => undefined, maxQueued = 10): Follower {
  return { viewer: { ...anonymousViewer('test'), kind: 'user', userId: 'u-1' }, requestId: 'r', maxQueued, onOverflow: overflow };
}

function upstream() {
  const opened: { sink: UpstreamSink<number>; closed: boolean }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    opened,
    open: (_topic: string, _follower: Follower, sink: UpstreamSink<number>) => {
      const entry = { sink, closed: false };
      opened.push(entry);
      for (const w of [...waiters])
        if (opened.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      return () => {
        entry.closed = true;
      };
    },
    /** Resolves once `count` connections have been opened. */
    openedTimes: (count: number) =>
      opened.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

// The hub's retry timers are unref'd (they must not keep a process alive); this keeps the test's
// event loop open while it waits for a retry.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

const unavailable = () => BffError.request(ErrorCode.UPSTREAM_UNAVAILABLE, 'orders is unavailable.', { upstream: 'orders' });
const retryable = (error: BffError) => error.code === ErrorCode.UPSTREAM_UNAVAILABLE;

test('followers of one key share one upstream; a late joiner gets the latest event; the last to leave closes it', async () => {
  const up = upstream();
  const streams = createSharedStreams<number>({ open: up.open, retryable });
  const a = streams.subscribe('o-1', follower());
  up.opened[0]!.sink.next(1);
  await a.ready;
  const b = streams.subscribe('o-1', follower());
  assert.equal(up.opened.length, 1);
  assert.equal(streams.openUpstreams, 1);
  assert.deepEqual(await b.next(), { value: 1, done: false });
  up.opened[0]!.sink.next(2);
  assert.deepEqual(
    [await a.next(), await a.next()],
    [
      { value: 1, done: false },
      { value: 2, done: false },
    ],
  );
  await a.return!();
  assert.equal(up.opened[0]!.closed, false);
  await b.return!();
  assert.equal(up.opened[0]!.closed, true);
  assert.equal(streams.openUpstreams, 0);
});

test('an upstream failure is retried with backoff; once the retries are spent, each follower gets the typed failure, then the end', async () => {
  const up = upstream();
  const streams = createSharedStreams<number>({ open: up.open, retryable, retries: 2, backoffMs: 1 });
  const a = streams.subscribe('o-1', follower());
  up.opened[0]!.sink.next(7);
  assert.deepEqual(await a.next(), { value: 7, done: false });
  up.opened[0]!.sink.error(unavailable());
  await up.openedTimes(2);
  up.opened[1]!.sink.error(unavailable());
  await up.openedTimes(3);
  up.opened[2]!.sink.error(unavailable());
  const last = await a.next();
  assert.ok(isStreamFailure(last.value), 'a failure item, not a thrown error');
  assert.equal((last.value as { failure: BffError }).failure.code, ErrorCode.UPSTREAM_UNAVAILABLE);
  assert.deepEqual(await a.next(), { value: undefined, done: true });
  assert.equal(up.opened.length, 3, 'one first try and two retries');
  assert.equal(streams.openUpstreams, 0);
});

test('an event resets the retries; a final refusal is not retried and rejects ready', async () => {
  const up = upstream();
  const streams = createSharedStreams<number>({ open: up.open, retryable, retries: 1, backoffMs: 1 });
  const a = streams.subscribe('o-1', follower());
  up.opened[0]!.sink.error(unavailable());
  await up.openedTimes(2);
  up.opened[1]!.sink.next(1);
  await a.ready;
  up.opened[1]!.sink.error(unavailable());
  await up.openedTimes(3);

  const refused = streams.subscribe('o-2', follower());
  up.opened[3]!.sink.error(BffError.request(ErrorCode.FORBIDDEN, 'Not yours.'));
  await assert.rejects(refused.ready, { code: ErrorCode.FORBIDDEN });
  assert.equal(up.opened.length, 4);
  await a.return!();
});

test('a follower whose queue passes maxQueued is cut off (onOverflow) without slowing the others', async () => {
  const up = upstream();
  let overflowed = 0;
  const streams = createSharedStreams<number>({ open: up.open, retryable });
  const slow = streams.subscribe(
    'o-1',
    follower(() => overflowed++, 3),
  );
  const fast = streams.subscribe(
    'o-1',
    follower(() => assert.fail('the reading follower is not cut off'), 3),
  );
  const got: number[] = [];
  for (let i = 1; i <= 6; i++) {
    up.opened[0]!.sink.next(i);
    got.push((await fast.next()).value as number);
  }
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
  assert.equal(overflowed, 1);
  assert.deepEqual(await slow.next(), { value: undefined, done: true }, 'the cut-off follower ends');
  assert.equal(up.opened[0]!.closed, false, 'the upstream stays for the other follower');
  await fast.return!();
  assert.equal(up.opened[0]!.closed, true);
});

test('drain closes the upstreams and stops reconnecting, but each follower still reads the events it was given; close ends them', async () => {
  const up = upstream();
  const streams = createSharedStreams<number>({ open: up.open, retryable, backoffMs: 1 });
  const a = streams.subscribe('o-1', follower());
  const b = streams.subscribe('o-2', follower());
  up.opened[0]!.sink.next(1);
  up.opened[0]!.sink.next(2);
  up.opened[1]!.sink.error(unavailable());
  await a.ready;
  assert.equal(a.backlog, 2);
  streams.drain();
  assert.equal(up.opened[0]!.closed, true);
  assert.equal(streams.openUpstreams, 0);
  // Nothing more is accepted, and the failed one is not reopened.
  up.opened[0]!.sink.next(3);
  assert.deepEqual(
    [await a.next(), await a.next()],
    [
      { value: 1, done: false },
      { value: 2, done: false },
    ],
  );
  assert.equal(a.backlog, 0);
  const pending = a.next();
  streams.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.deepEqual(await b.next(), { value: undefined, done: true });
  assert.equal(up.opened.length, 2, 'no reconnect after the drain');
});
