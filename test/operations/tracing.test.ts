import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { gql, tokenFor } from '../fixtures/startBffs.js';

// One trace across the BFF and every kind of backend: the incoming traceparent continues into
// REST headers (users, catalog), gRPC metadata (orders, inventory) and the GraphQL backend
// (reviews), and the BFF's own spans reach an OTLP/HTTP endpoint.

interface OtlpSpan {
  traceId: string;
  name: string;
}

let backends: BackendsProcess;
let bff: BffProcess;
let receiver: Server;
const spans: OtlpSpan[] = [];
const spanWaiters: (() => void)[] = [];

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

before(async () => {
  // A minimal OTLP/HTTP receiver: JSON protocol, traces only.
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
      for (const resource of payload.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      for (const wake of spanWaiters.splice(0)) wake();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const { port } = receiver.address() as { port: number };
  backends = await startBackendsProcess();
  bff = await startBffProcess(
    'web',
    backends,
    {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'bff-web-test',
    },
    ['./src/observability/tracing/register.ts'],
  );
});
after(async () => {
  await bff?.kill();
  await backends?.stop();
  receiver?.close();
});

test('one trace id reaches REST, gRPC and GraphQL backends, and the spans reach the OTLP endpoint', { timeout: 120_000 }, async () => {
  await backends.admin.reset();
  const token = await tokenFor(backends, 'u-00007', 'customers:read');
  const res = await gql(
    bff.url,
    `query Traced {
      customer(id: "u-00007") { name orders(first: 2) { nodes { id items { product { title } } } } }
      product(id: "p-00042") { title stock { totalAvailable } reviews(first: 2) { title } }
    }`,
    {},
    { authorization: `Bearer ${token}`, traceparent: TRACEPARENT, 'x-request-id': 'traced-1' },
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, undefined);

  // Logs join traces: request-scoped lines carry the trace id and the id of the span they were written in.
  const access = await bff.waitForLine((line) => line.requestId === 'traced-1' && line.msg === 'request completed');
  assert.equal(access.traceId, TRACE_ID);
  assert.match(String(access.spanId), /^[0-9a-f]{16}$/);
  await gql(bff.url, '{ __typename }', {}, { authorization: 'Bearer not-a-token', traceparent: TRACEPARENT, 'x-request-id': 'traced-2' });
  const refused = await bff.waitForLine((line) => line.requestId === 'traced-2' && line.msg === 'authentication refused');
  assert.equal(refused.traceId, TRACE_ID);

  const stats = await backends.admin.stats();
  for (const backend of ['users', 'catalog', 'orders', 'inventory', 'reviews'] as const) {
    const traceparent = stats[backend].last?.traceparent;
    assert.ok(traceparent, `${backend} got a traceparent`);
    // One value (not a list): the client span of that very call, in the caller's trace.
    assert.match(traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`), backend);
  }

  // Spans arrive in batches: wait (at most 20 s) until one of each kind has.
  const expected = [
    (name: string) => name === 'query Traced', // the GraphQL operation
    (name: string) => name.startsWith('grpc.shop.orders.v1.OrdersService/'), // a gRPC call
    (name: string) => name.startsWith('dataloader.batch '), // a DataLoader batch
    (name: string) => name === 'GET', // a REST call through undici
  ];
  const arrived = () => {
    const names = spans.filter((span) => span.traceId === TRACE_ID).map((span) => span.name);
    return expected.every((matches) => names.some(matches));
  };
  const deadline = Date.now() + 20_000;
  while (!arrived() && Date.now() < deadline) {
    await Promise.race([new Promise<void>((resolve) => spanWaiters.push(resolve)), delay(deadline - Date.now())]);
  }
  const names = [...new Set(spans.filter((span) => span.traceId === TRACE_ID).map((span) => span.name))];
  assert.ok(arrived(), `spans of the trace that arrived: ${names.join(', ')}`);
});
