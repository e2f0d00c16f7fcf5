/**
 * What the circuit breaker of one backend counts (issue 14): only faults of the backend
 * (5xx, transport failures, malformed answers), never an answer about the request itself
 * (4xx), and once open it still says which faults opened it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FanoutRecorder } from '../../src/context/FanoutRecorder.js';
import { CallScope } from '../../src/datasources/CallScope.js';
import { Upstream } from '../../src/datasources/Upstream.js';
import { asBffError } from '../../src/errors/BffError.js';
import { badResponse, fromGrpcStatus, fromHttpStatus, fromTransportError } from '../../src/errors/fromUpstream.js';

const scope = () => new CallScope('req-1', {}, Date.now() + 60_000, new AbortController().signal, new FanoutRecorder(), {});

/** Runs one read through `upstream` whose attempt fails with `error`; resolves with what the caller got. */
async function failWith(upstream: Upstream, error: Error, s = scope()) {
  let attempts = 0;
  try {
    await upstream.call(
      s,
      'GET /products',
      1,
      async () => {
        attempts++;
        throw error;
      },
      true,
    );
  } catch (thrown) {
    return { error: asBffError(thrown)!, attempts };
  }
  assert.fail('the call should have failed');
}

const THRESHOLD = 3;
const upstream = () =>
  new Upstream({ name: 'catalog', protocol: 'rest', breakerThreshold: THRESHOLD, retries: 1, breakerHalfOpenAfterMs: 60_000 });
const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

const notFaults: [string, () => Error][] = [
  ['HTTP 431 (a 20 KB id)', () => fromHttpStatus('catalog', 431)],
  ['HTTP 414', () => fromHttpStatus('catalog', 414)],
  ['HTTP 413', () => fromHttpStatus('catalog', 413)],
  ['HTTP 400', () => fromHttpStatus('catalog', 400)],
  ['HTTP 404', () => fromHttpStatus('catalog', 404)],
  ['HTTP 429', () => fromHttpStatus('catalog', 429)],
  ['HTTP 501', () => fromHttpStatus('catalog', 501)],
  ['gRPC INVALID_ARGUMENT', () => fromGrpcStatus('catalog', 3)],
  [
    'a header undici refuses to send',
    () => fromTransportError('catalog', Object.assign(new Error('x'), { code: 'UND_ERR_INVALID_ARG' }), new AbortController().signal),
  ],
];

for (const [what, make] of notFaults) {
  test(`${what}, ten times over: the breaker stays closed and nothing is retried`, async () => {
    const u = upstream();
    for (let i = 0; i < 10; i++) {
      const { attempts } = await failWith(u, make());
      assert.equal(attempts, 1, 'an answer about the request is not retried');
    }
    assert.equal(u.breakerState, 'closed');
    assert.deepEqual(u.lastFaults, []);
  });
}

const faults: [string, () => Error, string][] = [
  ['HTTP 500', () => fromHttpStatus('catalog', 500), 'UPSTREAM_ERROR/http_500'],
  ['HTTP 503', () => fromHttpStatus('catalog', 503), 'UPSTREAM_UNAVAILABLE/http_503'],
  ['gRPC INTERNAL', () => fromGrpcStatus('catalog', 13), 'UPSTREAM_ERROR/grpc_INTERNAL'],
  [
    'connection refused',
    () => fromTransportError('catalog', refused, new AbortController().signal),
    'UPSTREAM_UNAVAILABLE/connect_refused',
  ],
  ['a malformed answer', () => badResponse('catalog', 'shape'), 'UPSTREAM_BAD_RESPONSE/shape'],
];

for (const [what, make, label] of faults) {
  test(`${what}: the breaker opens after ${THRESHOLD}, and the refusals and metrics say why`, async () => {
    const u = upstream();
    for (let i = 0; i < THRESHOLD; i++) await failWith(u, make());
    assert.equal(u.breakerState, 'open');
    const s = scope();
    const { error, attempts } = await failWith(u, make(), s);
    assert.equal(attempts, 0, 'an open circuit does not call the backend');
    assert.equal(error.extensions.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(error.extensions.reason, 'circuit_open');
    const [call] = s.fanout.calls;
    assert.equal(call?.reason, 'circuit_open');
    assert.deepEqual(call?.lastFaults, Array(THRESHOLD).fill(label));
    assert.deepEqual([...u.opensByLastFault], [[label.split('/')[0], 1]]);
  });
}

test('4xx answers between faults neither count nor reset the count', async () => {
  const u = upstream();
  await failWith(u, fromHttpStatus('catalog', 500));
  await failWith(u, fromHttpStatus('catalog', 431));
  await failWith(u, fromHttpStatus('catalog', 500));
  await failWith(u, fromHttpStatus('catalog', 431));
  assert.equal(u.breakerState, 'closed');
  await failWith(u, fromHttpStatus('catalog', 500));
  assert.equal(u.breakerState, 'open');
});

test('a request whose budget is spent before the call is not a fault of the backend', async () => {
  const u = upstream();
  const spent = new CallScope('req-2', {}, Date.now() - 1, new AbortController().signal, new FanoutRecorder(), {});
  for (let i = 0; i < 10; i++) {
    const { error, attempts } = await failWith(u, new Error('never called'), spent);
    assert.equal(attempts, 0);
    assert.equal(error.extensions.reason, 'request_deadline');
  }
  assert.equal(u.breakerState, 'closed');
});
