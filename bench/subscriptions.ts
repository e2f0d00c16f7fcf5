/**
 * `npm run bench -- --subscriptions [--quick]` (or `tsx bench/subscriptions.ts [--quick]`): the
 * subscription fan-out figure of issue 16.
 *
 * One bff-mobile process and the demo backends, on 127.0.0.1. The orders service plays one
 * order's statuses every ORDERS_WATCH_INTERVAL_MS, forever; N graphql-ws clients (in this
 * process) follow that order, so the BFF holds one gRPC stream and fans each status out to N
 * sockets, executing the subscription's selection once per client and event. Per N:
 *
 * - events/s delivered (all clients together) over a fixed window, beside what the upstream
 *   offered (upstream events/s × N): the ratio is the share delivered;
 * - memory per connection: the BFF's RSS and V8 heap (from its /metrics; the least of five
 *   readings) with N connections open and subscribed, minus the same before any, divided by N
 *   (rough: no forced GC, so small N is noisy);
 * - connections cut (bff_subscription_drops_total) and upstream streams open.
 *
 * Bounded: at most 400 clients, a few seconds per step; nothing but 127.0.0.1.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createSeed } from '../backends/seed/createSeed.js';
import { sampleOf } from '../test/fixtures/metricValue.js';
import { startBackendsProcess } from '../test/fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../test/fixtures/startBffProcess.js';
import { tokenFor } from '../test/fixtures/startBffs.js';

export interface FanoutResult {
  clients: number;
  seconds: number;
  upstreamEventsPerSecond: number;
  deliveredPerSecond: number;
  /** deliveredPerSecond / (upstreamEventsPerSecond × clients). */
  deliveredShare: number;
  rssPerConnectionKb: number;
  heapPerConnectionKb: number;
  drops: number;
  upstreamStreams: number;
}

const QUERY = 'subscription S($id: ID!) { orderStatus(orderId: $id) { orderId status statusLabel updated } }';
const MAX_CLIENTS = 400;

async function metrics(bff: BffProcess): Promise<string> {
  return (await fetch(`${bff.adminOrigin}/metrics`)).text();
}

/**
 * The smallest of a few readings of the BFF's heap and RSS, 250 ms apart: without a forced GC
 * one reading holds whatever garbage is waiting; the minimum is closer to what is live.
 */
async function memory(bff: BffProcess): Promise<{ heap: number; rss: number }> {
  let heap = Infinity;
  let rss = Infinity;
  for (let i = 0; i < 5; i++) {
    const text = await metrics(bff);
    heap = Math.min(heap, sampleOf(text, 'nodejs_heap_size_used_bytes', {}) ?? Infinity);
    rss = Math.min(rss, sampleOf(text, 'process_resident_memory_bytes', {}) ?? Infinity);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { heap, rss };
}

/** Sum of every series of `name` (any labels). */
function total(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** A subscribed graphql-transport-ws client that counts the events it receives. */
async function follow(url: string, token: string, orderId: string, counter: { events: number }): Promise<WebSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  await once(socket, 'open');
  const first = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const type = (JSON.parse(String(data)) as { type: string }).type;
      if (type === 'next') {
        counter.events++;
        resolve();
      } else if (type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { id: orderId } } }));
      } else if (type === 'error') reject(new Error(`subscription refused: ${String(data)}`));
    });
    socket.once('close', (code) => reject(new Error(`closed with ${code} before the first event`)));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  await first;
  return socket;
}

export async function runSubscriptionBench(options: {
  quick: boolean;
  clients?: number[];
  seconds?: number;
  intervalMs?: number;
  log?: (line: string) => void;
}): Promise<FanoutResult[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const steps = (options.clients ?? (options.quick ? [50] : [100, 400])).map((n) => Math.min(n, MAX_CLIENTS));
  const seconds = options.seconds ?? (options.quick ? 2 : 5);
  const intervalMs = options.intervalMs ?? 20;
  const upstreamEventsPerSecond = 1000 / intervalMs;
  const order = createSeed().orders.find((o) => o.status === 'ORDER_STATUS_PENDING')!;

  const backends = await startBackendsProcess({ ORDERS_WATCH_INTERVAL_MS: String(intervalMs), ORDERS_WATCH_REPEAT: '1' });
  const results: FanoutResult[] = [];
  try {
    for (const clients of steps) {
      // A fresh BFF per step, so each memory figure starts from the same baseline.
      const bff = await startBffProcess('mobile', backends, {
        WS_MAX_CONNECTIONS_PER_USER: String(clients + 1),
        WS_MAX_QUEUED_EVENTS: '1000',
        // A loaded machine may take a while to answer a burst of connection_init messages.
        WS_INIT_TIMEOUT_MS: '30000',
      });
      const sockets: WebSocket[] = [];
      try {
        const token = await tokenFor(backends, order.userId);
        const url = bff.url.replace(/^http/, 'ws');
        const before = await memory(bff);
        const counter = { events: 0 };
        // Connected in batches of 25: a burst of hundreds of handshakes measures the accept queue.
        for (let i = 0; i < clients; i += 25) {
          sockets.push(
            ...(await Promise.all(Array.from({ length: Math.min(25, clients - i) }, () => follow(url, token, order.id, counter)))),
          );
        }
        const start = counter.events;
        const startedAt = performance.now();
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        const delivered = counter.events - start;
        const elapsed = (performance.now() - startedAt) / 1000;
        // Measured while the events keep flowing, as a live server holds them.
        const opened = await memory(bff);
        const after = await metrics(bff);
        const deliveredPerSecond = delivered / elapsed;
        results.push({
          clients,
          seconds: elapsed,
          upstreamEventsPerSecond,
          deliveredPerSecond,
          deliveredShare: deliveredPerSecond / (upstreamEventsPerSecond * clients),
          rssPerConnectionKb: (opened.rss - before.rss) / clients / 1024,
          heapPerConnectionKb: (opened.heap - before.heap) / clients / 1024,
          drops: total(after, 'bff_subscription_drops_total'),
          upstreamStreams: sampleOf(after, 'bff_upstream_streams_open', {}) ?? 0,
        });
      } finally {
        for (const socket of sockets) socket.terminate();
        await bff.kill();
      }
    }
  } finally {
    await backends.stop();
  }

  log(
    `\nsubscription fan-out (bff-mobile orderStatus, one order, upstream ${upstreamEventsPerSecond} events/s; clients in the bench process)`,
  );
  log('clients  events/s delivered  of offered  RSS/conn  heap/conn  drops  upstream streams');
  for (const r of results) {
    log(
      `${String(r.clients).padStart(7)}  ${r.deliveredPerSecond.toFixed(0).padStart(18)}  ${(r.deliveredShare * 100).toFixed(0).padStart(9)}%  ` +
        `${r.rssPerConnectionKb.toFixed(0).padStart(5)} KB  ${r.heapPerConnectionKb.toFixed(0).padStart(6)} KB  ${String(r.drops).padStart(5)}  ${String(r.upstreamStreams).padStart(16)}`,
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, clients: { type: 'string' }, seconds: { type: 'string' } },
  });
  const clients = values.clients?.split(',').map(Number);
  if (clients?.some((n) => !(n > 0))) throw new TypeError('--clients takes positive numbers, e.g. 50,200');
  await runSubscriptionBench({ quick: values.quick === true, clients, seconds: values.seconds ? Number(values.seconds) : undefined });
  process.exit(0);
}
