import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  cacheLookupChannel,
  loaderBatchChannel,
  upstreamCallChannel,
  type CacheLookupEvent,
  type LoaderBatchEvent,
  type UpstreamCallEvent,
} from './channels.js';

let registry: Registry | undefined;

/**
 * The metrics of the process rather than of one server: Node's defaults (CPU, memory, GC,
 * event-loop delay percentiles), event-loop utilization, and what the kit publishes on its
 * diagnostics channels (backend calls, DataLoader batches). Those channels are process-wide,
 * so they are subscribed once, however many servers a process builds (tests build several;
 * a deployed process runs one BFF, where process and server are the same thing).
 *
 * @returns the process's registry, made and subscribed on the first call.
 */
export function processMetrics(): Registry {
  if (registry) return registry;
  registry = new Registry();
  collectDefaultMetrics({ register: registry });

  let lastElu = performance.eventLoopUtilization();
  new Gauge({
    name: 'bff_event_loop_utilization',
    help: 'Share of time the event loop was busy since the previous scrape (0..1).',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, lastElu).utilization);
      lastElu = now;
    },
  });

  const labels = ['backend', 'protocol'] as const;
  const calls = new Counter({
    name: 'bff_upstream_calls_total',
    help: 'Backend calls, by backend and protocol.',
    labelNames: labels,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'bff_upstream_errors_total',
    help: 'Backend calls that failed, by backend, protocol and error code.',
    labelNames: [...labels, 'code'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'bff_upstream_retries_total',
    help: 'Extra attempts of backend calls.',
    labelNames: labels,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'bff_upstream_call_duration_seconds',
    help: 'Duration of backend calls, retries included, by backend and protocol.',
    labelNames: labels,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'bff_loader_batch_size',
    help: 'Keys per DataLoader batch, by loader.',
    labelNames: ['loader'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 200],
    registers: [registry],
  });

  // The labelled children, made once per backend (a handful): prom-client's `labels()` child
  // skips the closure and exemplar bookkeeping `observe(labels, v)` redoes on every call, and
  // a call publishes here several times per request.
  const byBackend = new Map<
    string,
    { by: { backend: string; protocol: string }; calls: { inc(): void }; duration: { observe(v: number): void } }
  >();
  const batchSizeByLoader = new Map<string, { observe(v: number): void }>();
  upstreamCallChannel.subscribe((message) => {
    const event = message as UpstreamCallEvent;
    const key = `${event.backend}\u0000${event.protocol}`;
    let series = byBackend.get(key);
    if (!series) {
      const by = { backend: event.backend, protocol: event.protocol };
      series = { by, calls: calls.labels(by), duration: duration.labels(by) };
      byBackend.set(key, series);
    }
    const { by } = series;
    series.calls.inc();
    series.duration.observe(event.ms / 1000);
    if (event.error !== undefined) errors.inc({ ...by, code: event.error });
    if (event.attempts > 1) retries.inc(by, event.attempts - 1);
  });
  loaderBatchChannel.subscribe((message) => {
    const event = message as LoaderBatchEvent;
    let series = batchSizeByLoader.get(event.loader);
    if (!series) batchSizeByLoader.set(event.loader, (series = batchSize.labels({ loader: event.loader })));
    series.observe(event.size);
  });
  // The public cache and its single flight (src/cache): `collapsed` counts keys answered by a
  // call another request had in flight, i.e. backend work not sent twice.
  const lookups = new Counter({
    name: 'bff_cache_lookups_total',
    help: 'Public-entity lookups, by kind and result (hit, stale, miss, collapsed); shared: entities copied from Redis, collapsed_replica: fetched by another replica while this one waited, shared_error: Redis failures.',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  cacheLookupChannel.subscribe((message) => {
    const event = message as CacheLookupEvent;
    lookups.inc({ kind: event.kind, result: event.result });
  });
  return registry;
}
