/**
 * `npx tsx bench/overload.ts [--quick]` (or `npm run bench -- --overload`): priority admission under overload (issue 15), side by
 * side with the old static in-flight cap.
 *
 * Starts the demo backends and two bff-web processes on 127.0.0.1: `priority` (as shipped: classes
 * and the adaptive limit) and `static` (TRAFFIC_PRIORITY=false and a fixed limit of 512, which is
 * what the old cap did). Finds the saturation rate of a mixed load (closed loop), then offers 2× and
 * 4× that rate open-loop (evenly paced, whatever the answers) for a few seconds, and prints per
 * class the success rate (200 without errors) and the p99 of the successful ones, beside the
 * critical class's unloaded p99. Critical: CustomerPage (staff); sheddable: ProductsBrowse
 * (anonymous). Every request has a 5 s client timeout and at most 4000 are outstanding at once:
 * the run is bounded in time and sockets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { startBackendsProcess } from '../test/fixtures/startBackends.js';
import { backendEnv, tokenFor } from '../test/fixtures/startBffs.js';
import { operation } from '../test/fixtures/operations.js';
import { freePort, REPO_ROOT } from './lib/contenders.js';

// Not strict: `npm run bench -- --overload` runs this after run.ts, with run.ts's options in argv.
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, strict: false });
const quick = args.quick === true;
const seconds = quick ? 2 : 5;
const CRITICAL_SHARE = 0.2;
const MAX_OUTSTANDING = 4000;

interface Sample {
  critical: boolean;
  ok: boolean;
  ms: number;
}

interface Contender {
  name: string;
  url: string;
  child: ChildProcess;
}

async function startBff(
  name: string,
  env: Record<string, string>,
  backends: Awaited<ReturnType<typeof startBackendsProcess>>,
): Promise<Contender> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'bff-web/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      BFF_HOST: '127.0.0.1',
      BFF_PORT: String(port),
      BFF_ADMIN_PORT: '0',
      ...backendEnv(backends),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  // Ready when it answers its probe (a bounded wait: a BFF that never starts ends the run).
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error(`${name} did not start`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, url: `${origin}/graphql`, child };
}

const backends = await startBackendsProcess();
const staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
const critical = {
  body: JSON.stringify({ query: operation('web', 'CustomerPage').query, variables: operation('web', 'CustomerPage').variables }),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}`, 'x-apollo-operation-name': 'CustomerPage' },
};
const sheddable = {
  body: JSON.stringify({ query: operation('web', 'ProductsBrowse').query, variables: operation('web', 'ProductsBrowse').variables }),
  headers: { 'content-type': 'application/json', 'x-apollo-operation-name': 'ProductsBrowse' },
};
const agent = new Agent({ connections: MAX_OUTSTANDING, pipelining: 1, headersTimeout: 5_000, bodyTimeout: 5_000 });

async function send(url: string, isCritical: boolean): Promise<Sample> {
  const chosen = isCritical ? critical : sheddable;
  const started = performance.now();
  try {
    const res = await request(url, {
      method: 'POST',
      body: chosen.body,
      headers: chosen.headers,
      dispatcher: agent,
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.body.text();
    return { critical: isCritical, ok: res.statusCode === 200 && !text.includes('"errors"'), ms: performance.now() - started };
  } catch {
    return { critical: isCritical, ok: false, ms: performance.now() - started };
  }
}

/** Closed loop with `connections` clients for `s` seconds: @returns requests per second. */
async function saturation(url: string, connections: number, s: number): Promise<number> {
  let done = 0;
  let n = 0;
  const until = performance.now() + s * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await send(url, n++ % 5 === 0);
        done++;
      }
    }),
  );
  return done / s;
}

/** Open loop: `rate` requests per second, evenly paced, for `s` seconds. */
async function offered(url: string, rate: number, s: number): Promise<Sample[]> {
  const total = Math.round(rate * s);
  const interval = 1000 / rate;
  const pending: Promise<Sample>[] = [];
  let outstanding = 0;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const isCritical = i % Math.round(1 / CRITICAL_SHARE) === 0;
    if (outstanding >= MAX_OUTSTANDING) {
      pending.push(Promise.resolve({ critical: isCritical, ok: false, ms: 0 }));
      continue;
    }
    outstanding++;
    pending.push(send(url, isCritical).finally(() => outstanding--));
  }
  return Promise.all(pending);
}

function summary(samples: Sample[], isCritical: boolean): { success: string; p99: string } {
  const mine = samples.filter((s) => s.critical === isCritical);
  const ok = mine
    .filter((s) => s.ok)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const p99 = ok.length ? ok[Math.min(ok.length - 1, Math.ceil(0.99 * ok.length) - 1)]! : Number.NaN;
  return { success: `${((100 * ok.length) / Math.max(1, mine.length)).toFixed(1)} %`, p99: `${p99.toFixed(0)} ms` };
}

const contenders: Contender[] = [];
try {
  contenders.push(await startBff('priority', {}, backends));
  contenders.push(
    await startBff(
      'static',
      { TRAFFIC_PRIORITY: 'false', TRAFFIC_LIMIT_MIN: '512', TRAFFIC_LIMIT_INITIAL: '512', SHED_MAX_IN_FLIGHT: '512' },
      backends,
    ),
  );
  const rows: string[] = [];
  // One saturation rate for both, the old cap's (measured first), so both get the same offered load.
  let rate = 0;
  for (const contender of [...contenders].reverse()) {
    await saturation(contender.url, 16, 1); // warm-up: compile, connect
    if (rate === 0) {
      rate = await saturation(contender.url, 32, seconds);
      console.error(`saturation (${contender.name}, closed loop, 32 connections): ${rate.toFixed(0)} req/s`);
    }
    const idle = await offered(contender.url, Math.max(5, rate / 4), seconds);
    const unloaded = summary(idle, true).p99;
    for (const factor of [2, 4]) {
      const samples = await offered(contender.url, rate * factor, seconds);
      const c = summary(samples, true);
      const s = summary(samples, false);
      rows.push(
        `| ${contender.name} | ${factor}× (${Math.round(rate * factor)}/s) | ${c.success} | ${c.p99} (unloaded ${unloaded}) | ${s.success} | ${s.p99} |`,
      );
    }
  }
  console.log(
    `\nOverload (${quick ? 'quick' : 'full'}: ${seconds} s per step; 20 % critical CustomerPage, 80 % sheddable ProductsBrowse)\n`,
  );
  console.log('| admission | offered | critical success | critical p99 | sheddable success | sheddable p99 |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
} finally {
  for (const c of contenders) {
    c.child.kill('SIGTERM');
    await once(c.child, 'exit');
  }
  await agent.close();
  await backends.stop();
}
