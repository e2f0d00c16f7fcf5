/**
 * The reviews backend is called with a plain POST through the same HTTP client as REST (issue
 * 22): the attempt's abort signal reaches the socket (a deadline or a client hanging up closes
 * the backend's connection), and failures are the HTTP and transport tables' translations.
 * The backend is a real HTTP server on port 0 whose answer each test chooses.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { FanoutRecorder } from '../../src/context/FanoutRecorder.js';
import { CallScope } from '../../src/datasources/CallScope.js';
import { ReviewsApi } from '../../src/datasources/graphql/ReviewsApi.js';
import { asBffError } from '../../src/errors/BffError.js';

let server: Server;
let reviews: ReviewsApi;
/** The same backend with a short per-attempt deadline: only for the test of that deadline. */
let impatient: ReviewsApi;
let answer: (req: IncomingMessage, res: ServerResponse, body: { query: string; variables: Record<string, unknown> }) => void;
/** Resolved when the server sees a request's connection close before it answered. */
let abandoned: Promise<void>;
let onAbandoned: () => void;

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => answer(req, res, JSON.parse(text)));
    res.on('close', () => {
      if (!res.writableEnded) onAbandoned();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  // No retries, so each test makes one call; a breaker that never opens in this file.
  const url = `http://127.0.0.1:${port}/graphql`;
  reviews = new ReviewsApi({ url, retries: 0, timeoutMs: 30_000, breakerThreshold: 100 });
  impatient = new ReviewsApi({ url, retries: 0, timeoutMs: 200, breakerThreshold: 100 });
});
after(async () => {
  await reviews.close();
  await impatient.close();
  server.close();
  server.closeAllConnections();
});

const expectAbandoned = () => {
  abandoned = new Promise((resolve) => (onAbandoned = resolve));
};
const scope = (signal = new AbortController().signal) =>
  new CallScope('req-reviews', {}, Date.now() + 60_000, signal, new FanoutRecorder(), {});
const request = (ids: string[]) => ({ summaryIds: ids, reviewsByLimit: new Map([[2, ids]]) });
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => assert.fail('the call should fail'),
    (e: unknown) => e,
  );
  const bff = asBffError(error);
  assert.ok(bff, `a BffError, got ${String(error)}`);
  return bff;
};

test('one POST carries summaries and reviews of every product, with the variables as sent', async () => {
  const seen: { method?: string; url?: string; query?: string; variables?: Record<string, unknown> } = {};
  answer = (req, res, body) => {
    Object.assign(seen, { method: req.method, url: req.url, query: body.query, variables: body.variables });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        data: {
          summaries: [{ productId: 'p-1', averageRating: 4, count: 2, histogram: [0, 0, 0, 2, 0] }],
          r2: [{ productId: 'p-1', reviews: [] }],
        },
      }),
    );
  };
  const s = scope();
  const data = await reviews.getReviewData(s, request(['p-1']));
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/graphql');
  // The generated documents (src/datasources/graphql/reviews.graphql), merged: each root field
  // aliased, its variables renamed after the alias.
  assert.equal(
    seen.query,
    'query ReviewData($summaries_productIds:[ID!]!$r2_productIds:[ID!]!$r2_limitPerProduct:Int!){' +
      'summaries:reviewSummaries(productIds:$summaries_productIds){productId averageRating count histogram}' +
      'r2:reviews(productIds:$r2_productIds limitPerProduct:$r2_limitPerProduct){productId reviews{id productId authorName rating title body createdAt}}}',
  );
  assert.deepEqual(seen.variables, { summaries_productIds: ['p-1'], r2_productIds: ['p-1'], r2_limitPerProduct: 2 });
  assert.equal(data.summaries[0]!.averageRating, 4);
  assert.deepEqual(data.reviews.get(2), [{ productId: 'p-1', reviews: [] }]);
  assert.deepEqual(
    s.fanout.calls.map((c) => [c.backend, c.protocol, c.operation, c.keys]),
    [['reviews', 'graphql', 'reviewSummaries+reviews', 2]],
  );
});

test('past the deadline: UPSTREAM_TIMEOUT/deadline, and the backend sees the connection closed', async () => {
  answer = () => undefined; // never answers
  expectAbandoned();
  const error = await failureOf(impatient.getReviewData(scope(), request(['p-1'])));
  assert.equal(error.code, 'UPSTREAM_TIMEOUT');
  assert.equal(error.reason, 'deadline');
  assert.equal(error.upstream, 'reviews');
  await abandoned;
});

test('the client hanging up aborts the call: request_cancelled, not a fault, the connection closed', async () => {
  const client = new AbortController();
  answer = () => client.abort(); // the client leaves while the backend works on it
  expectAbandoned();
  const error = await failureOf(reviews.getReviewData(scope(client.signal), request(['p-1'])));
  assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
  assert.equal(error.reason, 'request_cancelled');
  assert.equal(error.fault, false);
  await abandoned;
});

const answers: [string, number, string, string, string, boolean][] = [
  ['503', 503, '{"errors":[{"message":"down"}]}', 'UPSTREAM_UNAVAILABLE', 'http_503', true],
  ['400 for our document', 400, '{"errors":[{"message":"bad"}]}', 'BAD_USER_INPUT', 'http_400', false],
  ['errors and no data', 200, '{"errors":[{"message":"boom"}]}', 'UPSTREAM_ERROR', 'graphql_errors', true],
  ['neither data nor errors', 200, '{}', 'UPSTREAM_BAD_RESPONSE', 'no_data', true],
  ['a body that is not JSON', 200, '<html>', 'UPSTREAM_BAD_RESPONSE', 'invalid_json', true],
  [
    'a product nobody asked for',
    200,
    '{"data":{"summaries":[{"productId":"p-9"}],"r2":[]}}',
    'UPSTREAM_BAD_RESPONSE',
    'unrequested_keys',
    true,
  ],
];
for (const [what, status, body, code, reason, fault] of answers) {
  test(`reviews answers ${what}: ${code}/${reason}`, async () => {
    answer = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    const error = await failureOf(reviews.getReviewData(scope(), request(['p-1'])));
    assert.equal(error.code, code);
    assert.equal(error.reason, reason);
    assert.equal(error.fault, fault);
    assert.equal(error.upstream, 'reviews');
  });
}
