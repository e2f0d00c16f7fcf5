/**
 * `npx tsx bench/overload.ts [--quick]` (or `npm run bench -- --overload`): priority admission under overload (issue 15), side by
 * side with the old static in-flight cap.
 *
 * Starts the demo backends and three bff-web processes on 127.0.0.1: `static` (TRAFFIC_PRIORITY=false
 * and a fixed limit of 512, which is what the old cap did), `priority` (as shipped: classes, the
 * adaptive limit, critical requests waiting for a slot, LOW fields degrading under pressure) and
 * `priority, whole` (the same with TRAFFIC_DEGRADE=false). Finds the saturation rate of a mixed
 * load (closed loop), then offers 2× and 4× that rate open-loop (evenly paced, whatever the
 * answers) for a few seconds, and prints per class the success rate and the p99 of the successful
 * ones, beside the critical class's unloaded p99, and what admission did (from the BFF's metrics).
 * Critical: CustomerPage (staff), 20 %; sheddable: ProductsBrowse (anonymous; its `stock` is a
 * LOW field), 80 %. A sheddable answer counts as served whole (200, no errors) or degraded (200,
 * only DEGRADED errors). `OVERLOAD_ELU=0.9` adds a fourth contender, `priority + ELU`, that also
 * sheds on event-loop utilization (SHED_MAX_ELU). Each contender runs alone (started, measured,
 * drained and stopped before the next), and each step starts once the BFF has nothing in flight.
 * `OVERLOAD_ONLY=<name>` runs one contender; `OVERLOAD_PROF=<dir>` writes its CPU profile there.
 * Every request has a 5 s client timeout and at most 4000 are outstanding
 * at once: the run is bounded in time and sockets.
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
  outcome: 'whole' | 'degraded' | 'failed';
  ms: number;
}

interface Contender {
  name: string;
  origin: string;
  /** The admin port's origin: /metrics. */
  adminOrigin: string;
  url: string;
  child: ChildProcess;
}

async function startBff(
  name: string,
  env: Record<string, string>,
  backends: Awaited<ReturnType<typeof startBackendsProcess>>,
): Promise<Contender> {
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(process.env.OVERLOAD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OVERLOAD_PROF}`] : []),
      '--import',
      import.meta.resolve('tsx'),
      'bff-web/main.ts',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        BFF_HOST: '127.0.0.1',
        BFF_PORT: String(port),
        BFF_ADMIN_PORT: String(adminPort),
        ...backendEnv(backends),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
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
  return { name, origin, adminOrigin: `http://127.0.0.1:${adminPort}`, url: `${origin}/graphql`, child };
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
    const body = (await res.body.json()) as { errors?: { extensions?: { code?: string } }[] };
    const ms = performance.now() - started;
    if (res.statusCode !== 200) return { critical: isCritical, outcome: 'failed', ms };
    if (!body.errors?.length) return { critical: isCritical, outcome: 'whole', ms };
    const degraded = body.errors.every((e) => e.extensions?.code === 'DEGRADED');
    return { critical: isCritical, outcome: degraded ? 'degraded' : 'failed', ms };
  } catch {
    return { critical: isCritical, outcome: 'failed', ms: performance.now() - started };
  }
}

/** Closed loop with `connections` clients for `s` seconds: @returns whole answers per second. */
async function saturation(url: string, connections: number, s: number): Promise<number> {
  let done = 0;
  let n = 0;
  const until = performance.now() + s * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        // Only whole answers count: a fast refusal or failure is not capacity.
        if ((await send(url, n++ % 5 === 0)).outcome === 'whole') done++;
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
      pending.push(Promise.resolve({ critical: isCritical, outcome: 'failed', ms: 0 } as const));
      continue;
    }
    outstanding++;
    pending.push(send(url, isCritical).finally(() => outstanding--));
  }
  return Promise.all(pending);
}

/** Success rate and p99 of the served ones; `degraded` counts as served. */
function summary(samples: Sample[], isCritical: boolean): { success: string; p99: string; degraded: string } {
  const mine = samples.filter((s) => s.critical === isCritical);
  const served = mine.filter((s) => s.outcome !== 'failed');
  const ms = served.map((s) => s.ms).sort((a, b) => a - b);
  const p99 = ms.length ? ms[Math.min(ms.length - 1, Math.ceil(0.99 * ms.length) - 1)]! : Number.NaN;
  const share = (n: number) => `${((100 * n) / Math.max(1, mine.length)).toFixed(1)} %`;
  return {
    success: share(served.length),
    p99: `${p99.toFixed(0)} ms`,
    degraded: share(mine.filter((s) => s.outcome === 'degraded').length),
  };
}

/** What admission did during a step: the change in the BFF's counters, and the limit at its end. */
async function admissionOf(contender: Contender): Promise<Map<string, number>> {
  const text = await (await fetch(`${contender.adminOrigin}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(bff_admission_(?:shed_total|wait_timeouts_total|limit))(?:\{(?:class="(\w+)",)?[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match) values.set(match[2] ? `${match[1]}:${match[2]}` : match[1]!, Number(match[3]));
  }
  return values;
}

function admissionDelta(before: Map<string, number>, after: Map<string, number>): string {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const shed = ['critical', 'normal', 'sheddable'].map((c) => delta(`bff_admission_shed_total:${c}`));
  return `shed ${shed.join('/')}, waited out ${delta('bff_admission_wait_timeouts_total')}, limit ${after.get('bff_admission_limit') ?? '-'}`;
}

/**
 * Waits until the contender has nothing in flight (what an overload step left queued is answered
 * or cancelled), so the next step or contender does not share the CPU with its backlog.
 */
async function drain(contender: Contender): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const text = await (await fetch(`${contender.adminOrigin}/metrics`)).text();
    if (/^bff_in_flight_requests\{[^}]*\} 0$/m.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.error(`${contender.name}: still busy after 60 s; measuring anyway`);
}

async function stop(contender: Contender): Promise<void> {
  if (contender.child.exitCode !== null) return;
  contender.child.kill('SIGTERM');
  await once(contender.child, 'exit');
}

const contenders: Contender[] = [];
try {
  const fixedCap = { TRAFFIC_PRIORITY: 'false', TRAFFIC_LIMIT_MIN: '512', TRAFFIC_LIMIT_INITIAL: '512', SHED_MAX_IN_FLIGHT: '512' };
  const plans: [string, Record<string, string>][] = [
    ['static', fixedCap],
    ['priority', {}],
    ['priority, whole', { TRAFFIC_DEGRADE: 'false' }],
    ...(process.env.OVERLOAD_ELU
      ? [['priority + ELU', { SHED_MAX_ELU: process.env.OVERLOAD_ELU }] as [string, Record<string, string>]]
      : []),
  ];
  const rows: string[] = [];
  // One saturation rate for all, the old cap's (measured first), so all get the same offered load.
  let rate = 0;
  // One contender at a time, stopped before the next starts: none shares the CPU with another.
  for (const [name, env] of plans.filter(([n]) => !process.env.OVERLOAD_ONLY || n === process.env.OVERLOAD_ONLY)) {
    const contender = await startBff(name, env, backends);
    contenders.push(contender);
    await saturation(contender.url, 16, 1); // warm-up: compile, connect
    if (rate === 0) {
      rate = await saturation(contender.url, 32, seconds);
      console.error(`saturation (${contender.name}, closed loop, 32 connections): ${rate.toFixed(0)} req/s`);
    }
    await drain(contender);
    const idle = await offered(contender.url, Math.max(5, rate / 4), seconds);
    const unloaded = summary(idle, true).p99;
    for (const factor of [2, 4]) {
      await drain(contender);
      const before = await admissionOf(contender);
      const samples = await offered(contender.url, rate * factor, seconds);
      const admission = admissionDelta(before, await admissionOf(contender));
      const c = summary(samples, true);
      const s = summary(samples, false);
      rows.push(
        `| ${contender.name} | ${factor}× (${Math.round(rate * factor)}/s) | ${c.success} | ${c.p99} (unloaded ${unloaded}) | ${s.success} (${s.degraded} degraded) | ${s.p99} | ${admission} |`,
      );
    }
    await drain(contender);
    await stop(contender);
  }
  console.log(
    `\nOverload (${quick ? 'quick' : 'full'}: ${seconds} s per step; 20 % critical CustomerPage, 80 % sheddable ProductsBrowse)\n`,
  );
  console.log(
    '| admission | offered | critical success | critical p99 | sheddable served | sheddable p99 | admission (critical/normal/sheddable) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
} finally {
  for (const c of contenders) await stop(c);
  await agent.close();
  await backends.stop();
}
