import autocannon from 'autocannon';
import { Pool } from 'undici';
import { quiesce, type RunningContender } from './contenders.js';
import type { BenchRequest } from './scenarios.js';

export interface LoadOptions {
  /** Seconds of load. */
  duration: number;
  connections: number;
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
  /** Milliseconds: autocannon's histogram (saturation), or our own samples (paced load). */
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Drives `contender` with autocannon (closed loop, for saturation) over 127.0.0.1 for `duration` seconds, cycling through
 * `requests` (one shared cursor, so consecutive requests differ whatever the connection).
 * Starts once every process of the benchmark is idle, and stops by itself; CPU is read
 * from /proc around the run.
 *
 * @returns throughput, failures, CPU and latency of the run.
 */
export async function runLoad(contender: RunningContender, requests: readonly BenchRequest[], options: LoadOptions): Promise<LoadResult> {
  await quiesce();
  let next = 0;
  const cpuBefore = contender.cpuSeconds();
  const started = performance.now();
  const instance = autocannon({
    url: contender.url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    timeout: 10,
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
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = contender.cpuSeconds() - cpuBefore;
  const ok = result['2xx'];
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds,
    requestsPerSecond: ok / seconds,
    cpuSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

export interface PacedLoadOptions {
  /** Seconds of load. */
  duration: number;
  /** Requests per second, sent evenly spaced. */
  rate: number;
  /** Keep-alive connections the requests may use (a request waits for a free one). */
  connections: number;
}

/**
 * An open-loop load at an exactly paced rate, for latency: request i is due at
 * start + i/rate, and its latency counts from that due time to the end of its response, so a
 * contender that falls behind pays for the queue it builds (no coordinated omission).
 * autocannon's `overallRate` releases each second's requests in one burst, which measures the
 * burst's queue, not the contender: p99s of 100+ ms even for a trivial handler.
 *
 * @returns throughput, failures, CPU and latency of the run.
 */
export async function runPacedLoad(
  contender: RunningContender,
  requests: readonly BenchRequest[],
  options: PacedLoadOptions,
): Promise<LoadResult> {
  await quiesce();
  const url = new URL(contender.url);
  const pool = new Pool(url.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.max(1, Math.round(options.rate * options.duration));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const cpuBefore = contender.cpuSeconds();
  const started = performance.now();

  const send = (due: number, chosen: BenchRequest) =>
    pool
      .request({
        path: url.pathname,
        method: 'POST',
        headers: chosen.headers,
        body: chosen.body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(performance.now() - due);
        else failed++;
      })
      .catch(() => {
        failed++;
      });

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        pending.push(send(started + sent * interval, requests[sent % requests.length]!));
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = contender.cpuSeconds() - cpuBefore;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    failed,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    cpuSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
