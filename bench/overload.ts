/**
 * `npx tsx bench/overload.ts [--quick] [--critical-share 0.05] [--repeat 3] [--source]` (or `npm run bench -- --overload`):
 * priority admission under overload (issue 15), side by side with the old static in-flight cap.
 *
 * Starts the demo backends and four bff-web processes on 127.0.0.1, compiled and in production
 * mode as the throughput bench runs them (`--source`: with tsx): `static` (TRAFFIC_PRIORITY=false,
 * TRAFFIC_DEGRADE=false and a fixed limit of 512, which is what the old cap did), `priority` (as shipped: classes, the
 * adaptive limit, critical requests waiting for a slot, LOW fields degrading under pressure),
 * `priority, whole` (the same with TRAFFIC_DEGRADE=false), and `bound: critical only` (every sheddable
 * request refused unless nothing is in flight: the most any admission policy can do for critical
 * requests, so what it misses is the machine's, not the policy's). Finds the saturation rate of a mixed
 * load (closed loop), then offers 2× and 4× that rate open-loop (evenly paced, whatever the
 * answers) for a few seconds, and prints per class the success rate and the p99 of the successful
 * ones (counted from when each request was due), beside the critical class's unloaded p99, its
 * p99 inside the BFF (from the BFF's own histogram) and what admission did (from its metrics).
 * Critical: CustomerPage (staff); sheddable: ProductsBrowse (anonymous; its `stock` is a LOW
 * field). Two mixes in a full run, 5 % and 20 % critical (quick: 5 %; `--critical-share` picks
 * one). A sheddable answer counts as served whole (200, no errors) or degraded (200, only
 * DEGRADED errors). `OVERLOAD_ELU=0.9` adds a fourth contender, `priority + ELU`, that also
 * sheds on event-loop utilization (SHED_MAX_ELU); `OVERLOAD_LIMIT_ELU=0.9` one whose adaptive limit
 * also shrinks while the event loop is busier than that (TRAFFIC_LIMIT_MAX_ELU). Each contender runs alone (started, measured,
 * drained and stopped before the next), and each step starts once the BFF has nothing in flight.
 * A full run repeats all of it three times (`--repeat`, OVERLOAD_REPEAT; quick: once), each round
 * starting with another contender, and prints each figure's median and range, with the limit's
 * mean over each step (sampled every 250 ms).
 * `OVERLOAD_ONLY=<name>|<name>` runs only those contenders (with `OVERLOAD_RATE=<req/s>` instead of measuring
 * saturation); `OVERLOAD_PROF=<dir>` writes CPU profiles there. Every request has a 5 s client
 * timeout and at most 4000 are outstanding at once, over 256 keep-alive connections
 * (OVERLOAD_CONNECTIONS): the run is bounded in time and sockets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { startBackendsProcess } from '../test/fixtures/startBackends.js';
import { backendEnv, tokenFor } from '../test/fixtures/startBffs.js';
import { operation } from '../test/fixtures/operations.js';
import { compileForBench, freePort, REPO_ROOT } from './lib/contenders.js';

// Not strict: `npm run bench -- --overload` runs this after run.ts, with run.ts's options in argv.
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    'critical-share': { type: 'string' },
    repeat: { type: 'string' },
  },
  strict: false,
});
const quick = args.quick === true;
const seconds = quick ? 2 : 5;
// The critical class's share of the offered requests. A shop's checkout-path traffic is a few per
// cent of its browsing; 20 % at 4× asks for 0.8× of the saturation rate in critical work alone,
// which no admission can serve at its unloaded latency on the machine that also runs the load.
// A full run measures both mixes; --critical-share picks one.
const CRITICAL_SHARES = typeof args['critical-share'] === 'string' ? [Number(args['critical-share'])] : quick ? [0.05] : [0.05, 0.2];
if (!CRITICAL_SHARES.every((share) => share > 0 && share <= 1)) throw new Error('--critical-share must be in (0, 1]');
const MAX_OUTSTANDING = 4000;
// Rounds of every contender. On two shared cores one round's figures swing by more than the
// differences between contenders (sheddable served 6–59 % for one build and rate), so a full run
// gives the median of three and the range.
const repeat = Number(args.repeat ?? process.env.OVERLOAD_REPEAT ?? (quick ? 1 : 3));
if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 10)) throw new Error('--repeat must be 1..10');
// As the throughput bench runs its contenders: compiled, in production mode, with the secret the
// backends are started with (production refuses the demo's default).
const IDENTITY_SECRET = 'bench-overload-identity-secret-0123456789';
// `npm run bench -- --overload` has compiled the tree already.
const compiledRoot = args.source === true ? undefined : (process.env.BENCH_COMPILED_ROOT ?? compileForBench());

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
      // One V8 background thread, as the k8s manifests and the throughput bench set (2 cores).
      '--v8-pool-size=1',
      ...(compiledRoot ? [`${compiledRoot}/bff-web/main.js`] : ['--import', import.meta.resolve('tsx'), 'bff-web/main.ts']),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        IDENTITY_HMAC_SECRET: IDENTITY_SECRET,
        LOG_LEVEL: 'error',
        // Every request comes from one address: a rate limit would refuse them before admission.
        RATE_LIMIT_ENABLED: 'false',
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

const backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: IDENTITY_SECRET });
const staff = await tokenFor(backends, 'u-00001', 'orders:read:all customers:read');
const critical = {
  body: JSON.stringify({ query: operation('web', 'CustomerPage').query, variables: operation('web', 'CustomerPage').variables }),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}`, 'x-apollo-operation-name': 'CustomerPage' },
};
const sheddable = {
  body: JSON.stringify({ query: operation('web', 'ProductsBrowse').query, variables: operation('web', 'ProductsBrowse').variables }),
  headers: { 'content-type': 'application/json', 'x-apollo-operation-name': 'ProductsBrowse' },
};
// Keep-alive connections to the BFF, as a load balancer or sidecar in front of a replica keeps a
// bounded pool; requests beyond them wait in the client, their latency still counted from when
// they were due. With one connection per outstanding request (up to 4000, before session 13) the
// client opened more connections the slower the BFF answered, and the BFF's one thread spent the
// overload accepting them: rounds that collapsed (critical p99 4.7 s, sheddable served 33 % where
// the others served 63–77 %). OVERLOAD_CONNECTIONS sets it.
const CONNECTIONS = Number(process.env.OVERLOAD_CONNECTIONS ?? 256);
const agent = new Agent({ connections: CONNECTIONS, pipelining: 1, headersTimeout: 5_000, bodyTimeout: 5_000 });

/** One request; its latency counts from `due` (when an open loop meant to send it) if given. */
async function send(url: string, isCritical: boolean, due?: number): Promise<Sample> {
  const chosen = isCritical ? critical : sheddable;
  const started = due ?? performance.now();
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
async function saturation(url: string, connections: number, s: number, criticalShare: number): Promise<number> {
  let done = 0;
  let n = 0;
  const until = performance.now() + s * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        // Only whole answers count: a fast refusal or failure is not capacity.
        if ((await send(url, isCriticalAt(n++, criticalShare))).outcome === 'whole') done++;
      }
    }),
  );
  return done / s;
}

/** Whether the `i`-th request of a mix with this critical share is a critical one (evenly spread). */
function isCriticalAt(i: number, criticalShare: number): boolean {
  return Math.floor((i + 1) * criticalShare) > Math.floor(i * criticalShare);
}

/**
 * Open loop: `rate` requests per second, evenly paced, for `s` seconds. A request's latency
 * counts from when it was due, so a client that falls behind does not hide the wait.
 */
async function offered(url: string, rate: number, s: number, criticalShare: number): Promise<Sample[] & { lagP99: number }> {
  const total = Math.round(rate * s);
  const interval = 1000 / rate;
  const pending: Promise<Sample>[] = [];
  // How late each request left this client: past a few ms, the client (on the BFF's cores) cannot
  // offer the rate, and the latencies above say as much about it as about the BFF.
  const lags: number[] = [];
  let outstanding = 0;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    lags.push(performance.now() - due);
    const isCritical = isCriticalAt(i, criticalShare);
    if (outstanding >= MAX_OUTSTANDING) {
      pending.push(Promise.resolve({ critical: isCritical, outcome: 'failed', ms: 0 } as const));
      continue;
    }
    outstanding++;
    pending.push(send(url, isCritical, due).finally(() => outstanding--));
  }
  lags.sort((a, b) => a - b);
  return Object.assign(await Promise.all(pending), { lagP99: lags[Math.floor(0.99 * (lags.length - 1))] ?? 0 });
}

/** Success rate (%) and p99 (ms) of the served ones, and the share (%) degraded; `degraded` counts as served. */
function summary(samples: Sample[], isCritical: boolean): { success: number; p99: number; degraded: number } {
  const mine = samples.filter((s) => s.critical === isCritical);
  const served = mine.filter((s) => s.outcome !== 'failed');
  const ms = served.map((s) => s.ms).sort((a, b) => a - b);
  const p99 = ms.length ? ms[Math.min(ms.length - 1, Math.ceil(0.99 * ms.length) - 1)]! : Number.NaN;
  const share = (n: number) => (100 * n) / Math.max(1, mine.length);
  return { success: share(served.length), p99, degraded: share(mine.filter((s) => s.outcome === 'degraded').length) };
}

/**
 * What admission did during a step: the change in the BFF's counters, and the limit at its end;
 * and the BFF's own request-duration buckets of the critical operation (`le:<bound>`).
 */
async function admissionOf(contender: Contender): Promise<Map<string, number>> {
  const text = await (await fetch(`${contender.adminOrigin}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(bff_admission_(?:shed_total|wait_timeouts_total|limit))(?:\{(?:class="(\w+)",)?[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match) values.set(match[2] ? `${match[1]}:${match[2]}` : match[1]!, Number(match[3]));
    if (line.startsWith('bff_request_duration_seconds_bucket{') && line.includes('operation="CustomerPage"')) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le) values.set(`le:${le}`, Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return values;
}

/**
 * The critical operation's p99 inside the BFF during a step (from its arrival at the HTTP
 * server to its answer), as the upper bound of the histogram bucket that holds it: the rest of
 * the client's p99 is spent before the BFF reads the request (the socket, the client itself).
 */
function serverP99(before: Map<string, number>, after: Map<string, number>): string {
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith('le:'))
    .map((k) => ({ le: k.slice(3), count: after.get(k)! - (before.get(k) ?? 0) }));
  const total = buckets.find((b) => b.le === '+Inf')?.count ?? 0;
  if (!total) return '-';
  const bucket = buckets.find((b) => b.count >= 0.99 * total)!;
  return bucket.le === '+Inf' ? '> 10 s' : `≤ ${Number(bucket.le) * 1000} ms`;
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

/** One step's figures, kept per repetition so the table can give their median and range. */
interface Step {
  criticalSuccess: number;
  criticalP99: number;
  unloadedP99: number;
  serverP99: string;
  sheddableServed: number;
  sheddableDegraded: number;
  sheddableP99: number;
  meanLimit: number;
  admission: string;
  lagP99: number;
}

/** Samples the contender's limit every 250 ms until the returned function is called: it resolves to their mean. */
function watchLimit(contender: Contender): () => Promise<number> {
  const limits: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const limit = (await admissionOf(contender)).get('bff_admission_limit');
      if (limit !== undefined) limits.push(limit);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return limits.length ? limits.reduce((a, b) => a + b, 0) / limits.length : Number.NaN;
  };
}

/** `median unit [min–max]` of the repetitions (the lower median of an even count; just the value for one). */
function spread(values: number[], digits: number, unit = ''): string {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return '-';
  const f = (n: number) => n.toFixed(digits);
  const median = `${f(sorted[Math.floor((sorted.length - 1) / 2)]!)}${unit}`;
  return sorted.length === 1 ? median : `${median} [${f(sorted[0]!)}–${f(sorted.at(-1)!)}]`;
}

const contenders: Contender[] = [];
try {
  // The old cap: a fixed limit, no classes, no degradation (which did not exist with it).
  const fixedCap = {
    TRAFFIC_PRIORITY: 'false',
    TRAFFIC_DEGRADE: 'false',
    TRAFFIC_LIMIT_MIN: '512',
    TRAFFIC_LIMIT_INITIAL: '512',
    SHED_MAX_IN_FLIGHT: '512',
  };
  const all: [string, Record<string, string>][] = [
    ['static', fixedCap],
    ['priority', {}],
    ['priority, whole', { TRAFFIC_DEGRADE: 'false' }],
    // The bound, not a setting to ship: every sheddable request refused unless nothing is in
    // flight (its share is max(1, 1 % of the limit)). No admission policy does more for critical
    // requests than refusing all the rest, so a critical p99 this row misses, on this machine,
    // is the machine's (the client, the backends and the cost of refusing), not the policy's.
    ['bound: critical only', { TRAFFIC_DEGRADE: 'false', TRAFFIC_SHARE_SHEDDABLE: '0.01', TRAFFIC_SHARE_NORMAL: '0.01' }],
    ...(process.env.OVERLOAD_ELU
      ? [['priority + ELU', { SHED_MAX_ELU: process.env.OVERLOAD_ELU }] as [string, Record<string, string>]]
      : []),
    ...(process.env.OVERLOAD_LIMIT_ELU
      ? [['priority, ELU limit', { TRAFFIC_LIMIT_MAX_ELU: process.env.OVERLOAD_LIMIT_ELU }] as [string, Record<string, string>]]
      : []),
  ];
  const plans = all.filter(([n]) => !process.env.OVERLOAD_ONLY || process.env.OVERLOAD_ONLY.split('|').includes(n));
  // Steps by `contender\0share\0factor`, one entry per repetition.
  const steps = new Map<string, Step[]>();
  // One saturation rate per mix for all contenders, so all get the same offered load: the old
  // cap's, each mix measured by a BFF of its own after the same 1 s warm-up, in one closed loop.
  // A warmer process measures more (three in a row gave 1366, 1978 and 2159 answers/s; a mix
  // measured after the other's overload steps, 1870 against 1326), and twice that is more than
  // the client sharing these two cores can offer and read: every contender collapses alike.
  // OVERLOAD_RATE=<req/s> fixes it instead.
  const rates = new Map<number, number>(CRITICAL_SHARES.map((share) => [share, Number(process.env.OVERLOAD_RATE ?? 0)]));
  for (const share of CRITICAL_SHARES) {
    if (rates.get(share)) continue;
    const probe = await startBff('saturation', fixedCap, backends);
    contenders.push(probe);
    await saturation(probe.url, 16, 1, 0.2); // warm-up: compile, connect
    rates.set(share, await saturation(probe.url, 32, seconds, share));
    console.error(`saturation (static cap, ${share * 100} % critical, closed loop, 32 connections): ${rates.get(share)!.toFixed(0)} req/s`);
    await drain(probe);
    await stop(probe);
  }
  for (let round = 0; round < repeat; round++) {
    // One contender at a time, stopped before the next starts: none shares the CPU with another.
    // Each round starts with a different one, so no contender always runs first or last.
    const order = plans.map((_, i) => plans[(i + round) % plans.length]!);
    for (const [name, env] of order) {
      const contender = await startBff(name, env, backends);
      contenders.push(contender);
      await saturation(contender.url, 16, 1, 0.2); // warm-up: compile, connect
      for (const share of CRITICAL_SHARES) {
        const rate = rates.get(share)!;
        await drain(contender);
        const idle = await offered(contender.url, Math.max(5, rate / 4), seconds, share);
        const unloaded = summary(idle, true).p99;
        for (const factor of [2, 4]) {
          await drain(contender);
          const before = await admissionOf(contender);
          const meanLimit = watchLimit(contender);
          const samples = await offered(contender.url, rate * factor, seconds, share);
          const limit = await meanLimit();
          const after = await admissionOf(contender);
          const c = summary(samples, true);
          const s = summary(samples, false);
          const admission = admissionDelta(before, after);
          const key = `${name}\u0000${share}\u0000${factor}`;
          if (!steps.has(key)) steps.set(key, []);
          steps.get(key)!.push({
            criticalSuccess: c.success,
            criticalP99: c.p99,
            unloadedP99: unloaded,
            serverP99: serverP99(before, after),
            sheddableServed: s.success,
            sheddableDegraded: s.degraded,
            sheddableP99: s.p99,
            meanLimit: limit,
            admission,
            lagP99: samples.lagP99,
          });
          console.error(
            `round ${round + 1}/${repeat}, ${name}, ${share * 100} %, ${factor}×: critical ${c.success.toFixed(1)} % (p99 ${c.p99.toFixed(0)} ms, unloaded ${unloaded.toFixed(0)}), sheddable ${s.success.toFixed(1)} % (${s.degraded.toFixed(1)} % degraded, p99 ${s.p99.toFixed(0)} ms), mean limit ${limit.toFixed(0)}; ${admission}`,
          );
        }
      }
      await drain(contender);
      await stop(contender);
    }
  }
  console.log(
    `\nOverload (${quick ? 'quick' : 'full'}: ${seconds} s per step, ${repeat} round${repeat === 1 ? '' : 's'}${repeat > 1 ? ': median [min–max]' : ''}; critical CustomerPage, the rest sheddable ProductsBrowse; p99 from when a request was due)\n`,
  );
  console.log(
    '| admission | critical share | offered | critical success | critical p99 (unloaded) | critical p99 in the BFF | sheddable served | of them degraded | sheddable p99 | mean limit | last round: shed critical/normal/sheddable |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name] of plans) {
    for (const share of CRITICAL_SHARES) {
      for (const factor of [2, 4]) {
        const runs = steps.get(`${name}\u0000${share}\u0000${factor}`) ?? [];
        if (!runs.length) continue;
        const rate = rates.get(share)! * factor;
        console.log(
          `| ${name} | ${share * 100} % | ${factor}× (${Math.round(rate)}/s, sent ≤ ${Math.max(...runs.map((r) => r.lagP99)).toFixed(0)} ms late) | ${spread(
            runs.map((r) => r.criticalSuccess),
            1,
            ' %',
          )} | ${spread(
            runs.map((r) => r.criticalP99),
            0,
            ' ms',
          )} (${spread(
            runs.map((r) => r.unloadedP99),
            0,
            ' ms',
          )}) | ${runs.map((r) => r.serverP99).join(', ')} | ${spread(
            runs.map((r) => r.sheddableServed),
            1,
            ' %',
          )} | ${spread(
            runs.map((r) => r.sheddableDegraded),
            1,
            ' %',
          )} | ${spread(
            runs.map((r) => r.sheddableP99),
            0,
            ' ms',
          )} | ${spread(
            runs.map((r) => r.meanLimit),
            0,
          )} | ${runs.at(-1)!.admission} |`,
        );
      }
    }
  }
} finally {
  for (const c of contenders) await stop(c);
  await agent.close();
  await backends.stop();
}
