import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createSeed } from '../../backends/seed/createSeed.js';
import { BffError, ErrorCode, loadConfig, type BffServer, type OperationCheck } from '../../src/index.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { backendEnv, BFFS, gql, tokenFor, type BffName } from '../fixtures/startBffs.js';

// A subscription goes through the same operation pipeline as an HTTP operation (prepare,
// check: cost, @auth, variables, argument limits, the BFF's own checks), refused with the same
// codes: each case sends the same kind of refusal over HTTP and over a subscription transport
// (a real graphql-ws client, and SSE) of a real BFF on 127.0.0.1, against the demo backends.

const seed = createSeed();
const order = seed.orders.find((o) => o.status === 'ORDER_STATUS_PENDING' && o.items.length > 0)!;
const ORDER_STATUS = 'subscription S($id: ID!) { orderStatus(orderId: $id) { status } }';

/** The BFF's own check under test: it refuses any operation named `Blocked`. */
const blockNamed: OperationCheck = ({ prepared }) => {
  if (prepared.name === 'Blocked')
    throw BffError.request(ErrorCode.FORBIDDEN, 'This operation is blocked by the BFF.', { reason: 'blocked_by_bff' });
};

let backends: BackendsProcess;
let mobile: { server: BffServer; url: string };
/** Cost limit 2: `orderEvents { order { customer { id } } }` costs 3. */
let web: { server: BffServer; url: string };
const clients: Client[] = [];

async function start(name: BffName, env: Record<string, string>) {
  const config = loadConfig(BFFS[name].profile, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    BFF_HOST: '127.0.0.1',
    BFF_PORT: '0',
    ...backendEnv(backends),
    ...env,
  });
  const server = await BFFS[name].create(config, { checks: [blockNamed] });
  return { server, url: await server.listen() };
}

before(async () => {
  // Streams stay open (one event, then an hour's pause) until someone closes them.
  backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: '3600000' });
  [mobile, web] = await Promise.all([start('mobile', {}), start('web', { LIMIT_COST: '2' })]);
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([mobile?.server.close(), web?.server.close()]);
  await backends?.stop();
});

function client(url: string, token: string): Client {
  const c = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  clients.push(c);
  return c;
}

type ErrorShape = { message: string; extensions?: Record<string, unknown> };

/** Subscribes and resolves with the first thing the server says: an event, or the refusal (graphql-ws `error`). */
function firstAnswer(
  c: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ next?: unknown; errors?: ErrorShape[] }> {
  return new Promise((resolve) => {
    const stop = c.subscribe(
      { query, variables },
      {
        next: (value) => {
          stop();
          resolve({ next: value });
        },
        error: (error) => resolve({ errors: error as ErrorShape[] }),
        complete: () => undefined,
      },
    );
  });
}

/** The code, reason and limit detail of an error: what must match between HTTP and a subscription. */
const shapeOf = (error: ErrorShape | undefined) => ({
  code: error?.extensions?.code,
  reason: error?.extensions?.reason,
  limit: error?.extensions?.limit,
  argument: error?.extensions?.argument,
});

const calls = async (operation: string) => (await backends.admin.stats()).orders.byOperation[operation] ?? 0;

test('over the cost limit: the subscription is refused with the code, reason and limit HTTP answers', async () => {
  const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
  const overHttp = await gql(web.url, '{ categories { slug } }', {}, { authorization: `Bearer ${staff}` });
  assert.equal(overHttp.status, 400);
  const expected = shapeOf(overHttp.body.errors?.[0]);
  assert.deepEqual(expected, { code: 'OPERATION_LIMIT_EXCEEDED', reason: 'cost', limit: 2, argument: undefined });

  const answer = await firstAnswer(client(web.url, staff), 'subscription { orderEvents { order { customer { id } } } }');
  assert.equal(answer.next, undefined, 'no event');
  assert.deepEqual(shapeOf(answer.errors?.[0]), expected);
  // Like every error over HTTP, it names its request: the connection's id and the subscription's.
  assert.match(String(answer.errors?.[0]?.extensions?.requestId), /^sub-\d+-\d+:.+$/);
  assert.equal(answer.errors?.[0]?.extensions?.http, undefined, "HTTP's status is not sent");
});

test('over the cost limit over SSE: one `next` event carrying the refusal, then `complete`', async () => {
  const staff = await tokenFor(backends, 'u-00001', 'orders:read:all');
  const res = await fetch(new URL('/graphql/stream', web.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${staff}` },
    body: JSON.stringify({ query: 'subscription { orderEvents { order { customer { id } } } }' }),
  });
  // Distinct connections mode: the stream ends after `complete`.
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const next = /event: next\ndata: (.*)\n/.exec(text);
  assert.ok(next, text);
  const result = JSON.parse(next[1]!) as { data?: unknown; errors?: ErrorShape[] };
  assert.equal(result.data, undefined);
  assert.deepEqual(shapeOf(result.errors?.[0]), { code: 'OPERATION_LIMIT_EXCEEDED', reason: 'cost', limit: 2, argument: undefined });
  assert.match(String(result.errors?.[0]?.extensions?.requestId), /^sub-\d+-\d+:sse$/);
  assert.match(text, /event: complete\n/);
});

test('an argument over its limit: refused as over HTTP (BAD_USER_INPUT naming the argument), no call to the orders service', async () => {
  const token = await tokenFor(backends, order.userId);
  const longId = 'o'.repeat(100);
  const overHttp = await gql(mobile.url, 'query P($id: ID!) { product(id: $id) { id } }', { id: longId });
  const httpError = shapeOf(overHttp.body.errors?.[0]);
  assert.equal(httpError.code, 'BAD_USER_INPUT');
  assert.equal(httpError.argument, 'product.id');

  const watchesBefore = await calls('WatchOrderStatus');
  const answer = await firstAnswer(client(mobile.url, token), ORDER_STATUS, { id: longId });
  const error = shapeOf(answer.errors?.[0]);
  assert.deepEqual({ code: error.code, reason: error.reason }, { code: httpError.code, reason: httpError.reason });
  assert.equal(error.argument, 'orderStatus.orderId');
  assert.equal(await calls('WatchOrderStatus'), watchesBefore, 'refused before any backend call');
});

test('variables that do not coerce: BAD_USER_INPUT, as over HTTP', async () => {
  const token = await tokenFor(backends, order.userId);
  const overHttp = await gql(mobile.url, 'query P($id: ID!) { product(id: $id) { id } }', {});
  assert.equal(overHttp.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const answer = await firstAnswer(client(mobile.url, token), ORDER_STATUS, {});
  assert.equal(answer.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(answer.errors?.[0]?.message ?? '', /\$id/);
});

test("the BFF's own check applies to subscriptions: refused with its code; another operation still runs", async () => {
  const token = await tokenFor(backends, order.userId);
  const overHttp = await gql(mobile.url, 'query Blocked { home { viewer { __typename } } }', {}, { authorization: `Bearer ${token}` });
  const expected = shapeOf(overHttp.body.errors?.[0]);
  assert.deepEqual(expected, { code: 'FORBIDDEN', reason: 'blocked_by_bff', limit: undefined, argument: undefined });

  const c = client(mobile.url, token);
  const blocked = await firstAnswer(c, 'subscription Blocked($id: ID!) { orderStatus(orderId: $id) { status } }', { id: order.id });
  assert.deepEqual(shapeOf(blocked.errors?.[0]), expected);

  const allowed = await firstAnswer(c, ORDER_STATUS, { id: order.id });
  assert.deepEqual(allowed.next, { data: { orderStatus: { status: 'PENDING' } } });
});

test('an unexpected error in an event is logged in full under the request id the client gets, as over HTTP', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const schema = makeExecutableSchema({
    typeDefs: 'type Query { ok: Boolean } type Subscription { ticks: Int }',
    resolvers: {
      Subscription: {
        ticks: {
          subscribe: async function* () {
            yield 1;
          },
          resolve: () => {
            throw new TypeError('internal detail');
          },
        },
      },
    },
  });
  const config = loadConfig(BFFS.web.profile, { NODE_ENV: 'test', BFF_HOST: '127.0.0.1', BFF_PORT: '0', ...backendEnv(backends) });
  const server = await BFFS.web.create(config, { schema, logger: pino({ level: 'info' }, sink) });
  try {
    const url = await server.listen();
    const c = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(c);
    const answer = await firstAnswer(c, 'subscription { ticks }');
    const error = (answer.next as { errors?: ErrorShape[] }).errors?.[0];
    assert.ok(error, JSON.stringify(answer));
    const requestId = error.extensions?.requestId;
    assert.match(String(requestId), /^sub-\d+-\d+:.+$/);
    const logged = lines.find((l) => l.msg === 'unexpected error in operation');
    assert.equal(logged?.requestId, requestId);
    assert.equal((logged?.err as { message?: string } | undefined)?.message, 'internal detail');
  } finally {
    await server.close();
  }
});
