import autocannon from 'autocannon';
import { quiesce, type RunningContender } from './contenders.js';
import type { BenchRequest } from './scenarios.js';

export interface LoadOptions {
  /** Seconds of load. */
  duration: number;
  connections: number;
  /** Requests per second over all connections; unset: as fast as the contender answers. */
  overallRate?: number;
  /** Keep every response time (ms, full precision) for percentiles; autocannon's own are whole ms. */
  recordLatencies?: boolean;
}

export interface LoadResult {
  /** Responses with status 2xx. */
  ok: number;
  /** Non-2xx responses, socket errors and timeouts. */
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  /** CPU seconds the contender (and its workers) spent during the run. */
  cpuSeconds: number;
  /** Milliseconds; from our own samples when recorded, else autocannon's whole-ms histogram. */
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Drives `contender` with autocannon over 127.0.0.1 for `duration` seconds, cycling through
 * `requests` (one shared cursor, so consecutive requests differ whatever the connection).
 * Starts once every process of the benchmark is idle, and stops by itself; CPU is read
 * from /proc around the run.
 *
 * @returns throughput, failures, CPU and latency of the run.
 */
export async function runLoad(contender: RunningContender, requests: readonly BenchRequest[], options: LoadOptions): Promise<LoadResult> {
  await quiesce();
  let next = 0;
  const latencies: number[] = [];
  const cpuBefore = contender.cpuSeconds();
  const started = performance.now();
  const instance = autocannon({
    url: contender.url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    timeout: 10,
    ...(options.overallRate !== undefined && { overallRate: options.overallRate }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const chosen = requests[next++ % requests.length]!;
          // A fresh headers object: autocannon writes the body's content-length into it.
          return { ...request, headers: { ...chosen.headers }, body: chosen.body };
        },
      },
    ],
  });
  if (options.recordLatencies) {
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  }
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = contender.cpuSeconds() - cpuBefore;
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds,
    requestsPerSecond: ok / seconds,
    cpuSeconds,
    p50: options.recordLatencies ? percentile(latencies, 50) : result.latency.p50,
    p99: options.recordLatencies ? percentile(latencies, 99) : result.latency.p99,
  };
}
