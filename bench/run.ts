/**
 * `npm run bench [-- options]`: the side-by-side benchmark (issues 5 and 21).
 *
 * Starts the demo backends and every contender in its own process — the BFFs as shipped
 * (and variants), the BFFs with batching off (`naive`), `stock` (Apollo Server 5 defaults +
 * DataLoader, no kit code: what users would pick instead), the kit floor (node:http over the
 * kit's clients, no GraphQL), the `lean` floor (node:http, undici, grpc-js, jose: no GraphQL,
 * no kit) and the empty handler — checks that they all return the same data (deep-equal) and
 * counts their backend calls, then drives each over 127.0.0.1 (autocannon for saturation, an
 * evenly paced open loop for latency): req/s at saturation (median of rounds), CPU per
 * request, p50/p99 at a common fixed rate, peak and idle RSS, and the shipped BFF's ratio to
 * each. Writes bench/results/<timestamp>/{report.md,results.json,chart.svg} (not tracked by
 * git), and with --update-docs also the tracked bench/results/latest.{md,svg} the docs link to.
 *
 * Options:
 *   --quick                one short round of Home and the dashboard at 0 ms (well under a minute)
 *   --rounds N             saturation rounds (full default 3)
 *   --duration S           seconds per saturation run (full default 3)
 *   --rate-duration S      seconds per fixed-rate run (full default 2)
 *   --warmup S             seconds of load before every measured run (full default 1.5)
 *   --latencies 0,2        backend latencies in ms (admin faults on every service)
 *   --scenarios a,b        of home, orders10, orders50, orders100
 *   --workers N            also run the shipped BFFs with BFF_WORKERS=N (when the config has it)
 *   --v8-pool-size N       V8 background threads of every contender and the backends (default: cores - 1, min 1)
 *   --hive                 also run the optional Hive Gateway + GraphQL Mesh contender (bench/hive; installs its own dependencies the first time)
 *   --no-variant           leave out the variant BFFs (every request through Apollo; the other executor)
 *   --no-isolate           leave the other contenders running (not frozen) during each measured window
 *   --source               run contenders with tsx from source instead of compiled (as deployed)
 *   --out DIR              results root (default bench/results)
 *   --update-docs          also rewrite the tracked latest.{md,svg} (a run never changes tracked files otherwise)
 *   --subscriptions        only the subscription fan-out figure (bench/subscriptions.ts; with --quick, 50 clients)
 *   --collapse             then bench/collapse.ts (collapsing across replicas, Redis lease off vs on; needs redis-server)
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/index.js';
import { startBackendsProcess, type BackendsProcess } from '../test/fixtures/startBackends.js';
import { backendEnv } from '../test/fixtures/startBffs.js';
import { prepareHive } from './lib/hive.js';
import { compileForBench, quiesce, REPO_ROOT, startContender, type ContenderSpec, type RunningContender } from './lib/contenders.js';
import { runLoad, runPacedLoad, type LoadResult } from './lib/load.js';
import { toMarkdown, toSvg, type BenchResults, type ContenderResult, type ScenarioResult, type TargetCheck } from './lib/report.js';
import { buildScenarios, collectCursors, SCENARIO_IDS, type Scenario } from './lib/scenarios.js';
import { checkSameData, countCalls, send, type CallCount } from './lib/verify.js';
import { webProfile } from '../bff-web/webProfile.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'rate-duration': { type: 'string' },
    warmup: { type: 'string' },
    latencies: { type: 'string' },
    scenarios: { type: 'string' },
    workers: { type: 'string' },
    'v8-pool-size': { type: 'string' },
    hive: { type: 'boolean', default: false },
    'no-variant': { type: 'boolean', default: false },
    'no-isolate': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench/results') },
    'update-docs': { type: 'boolean', default: false },
    // Then bench/overload.ts (priority admission at 2× and 4× saturation vs the static cap), with --quick if given.
    overload: { type: 'boolean', default: false },
    collapse: { type: 'boolean', default: false },
    subscriptions: { type: 'boolean', default: false },
  },
});
if (args.subscriptions) {
  await (await import('./subscriptions.js')).runSubscriptionBench({ quick: args.quick === true });
  process.exit(0);
}

const quick = args.quick === true;
const num = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new TypeError(`--${name} must be a positive number, got ${value}`);
  return n;
};
const settings = {
  rounds: num(args.rounds, quick ? 1 : 3, 'rounds'),
  saturationSeconds: num(args.duration, quick ? 1 : 3, 'duration'),
  saturationConnections: 32,
  naiveConnections: 8,
  rateSeconds: num(args['rate-duration'], quick ? 1 : 2, 'rate-duration'),
  rateConnections: 16,
  rateSamples: quick ? 400 : 1000,
  warmupSeconds: num(args.warmup, quick ? 0.5 : 1.5, 'warmup'),
  // V8's background threads (concurrent marking and sweeping, compilation) for every contender
  // alike: one fewer than the cores, as the deploy manifests set it. Node's default of 4 on a
  // 2-core machine lets a full collection's markers take both cores from the event loop for
  // tens of ms (docs/performance.md, "GC threads"); --v8-pool-size 4 measures that default.
  v8PoolSize: Math.floor(num(args['v8-pool-size'], Math.max(1, availableParallelism() - 1), 'v8-pool-size')),
};
const poolSizeFlag = `--v8-pool-size=${settings.v8PoolSize}`;
// Quick mode measures the two pages the targets are about, at 0 ms: well under a minute.
const latencies = (args.latencies ?? (quick ? '0' : '0,2')).split(',').map((v) => {
  const ms = Number(v);
  if (!(ms >= 0 && ms <= 1000)) throw new TypeError(`--latencies: each must be 0..1000 ms, got ${v}`);
  return ms;
});
const scenarioIds = (args.scenarios?.split(',') ?? (quick ? ['home', 'orders50'] : SCENARIO_IDS)) as Scenario['id'][];
for (const id of scenarioIds)
  if (!SCENARIO_IDS.includes(id)) throw new TypeError(`--scenarios: unknown scenario ${id} (${SCENARIO_IDS.join(', ')})`);
const configs = latencies.flatMap((latencyMs) => scenarioIds.map((id) => ({ id, latencyMs })));

const IDENTITY_SECRET = 'bench-identity-secret-0123456789';
const shippedExecutor = loadConfig(webProfile, {}).executor;
const shippedFastPath = loadConfig(webProfile, {}).fastPath && shippedExecutor === 'jit';
const otherExecutor = shippedExecutor === 'jit' ? 'graphql-js' : 'jit';
const workers = args.workers === undefined ? undefined : num(args.workers, 2, 'workers');
if (workers !== undefined && !('workers' in loadConfig(webProfile, {})))
  throw new TypeError('--workers: this build has no BFF_WORKERS setting');

function specsFor(client: 'mobile' | 'web'): ContenderSpec[] {
  const entry = `bff-${client}/main.ts`;
  const name = `bff-${client}`;
  return [
    {
      id: 'bff',
      kind: 'bff',
      client,
      label: `${name} (shipped: ${shippedExecutor}${shippedFastPath ? ' + fast path' : ''})`,
      entry,
      env: {},
    },
    ...(args['no-variant'] || quick
      ? []
      : [
          // The fast path's own gain: the same compiled executor, every request through Apollo's pipeline.
          {
            id: 'bff-apollo',
            kind: 'variant' as const,
            client,
            label: `${name}, via Apollo (no fast path)`,
            entry,
            env: { BFF_FAST_PATH: 'false' },
          },
          {
            id: `bff-${otherExecutor}`,
            kind: 'variant' as const,
            client,
            label: `${name}, ${otherExecutor} executor`,
            entry,
            env: { BFF_EXECUTOR: otherExecutor },
          },
        ]),
    ...(workers
      ? [
          {
            id: `bff-${workers}w`,
            kind: 'variant' as const,
            client,
            label: `${name}, ${workers} workers`,
            entry,
            env: { BFF_WORKERS: String(workers) },
          },
        ]
      : []),
    // Its hundreds of calls per request outlast the default 10 s request deadline on a loaded machine.
    {
      id: 'naive',
      kind: 'naive',
      client,
      label: `${name}, naive (BFF_BATCHING=false)`,
      entry,
      env: { BFF_BATCHING: 'false', BFF_REQUEST_TIMEOUT_MS: '60000', BFF_IDLE_TIMEOUT_MS: '65000' },
    },
    // With the public cache and single flight on: the only contender that caches (src/cache).
    {
      id: 'bff-cached',
      kind: 'variant' as const,
      client,
      label: `${name}, cache on (BFF_CACHE=memory)`,
      entry,
      env: { BFF_CACHE: 'memory', BFF_COLLAPSE: 'true' },
    },
    // What users would pick instead of this kit (bench/stock/main.ts).
    {
      id: 'stock',
      kind: 'stock',
      client,
      label: `stock Apollo Server 5 + DataLoader (${client})`,
      entry: 'bench/stock/main.ts',
      env: { STOCK_CLIENT: client },
    },
    // The peer-like gateway, only when asked for: its dependencies are not the root's (bench/hive).
    ...(args.hive
      ? [
          {
            id: 'hive',
            kind: 'peer' as const,
            client,
            label: `Hive Gateway + GraphQL Mesh (${client})`,
            entry: 'bench/hive/main.ts',
            env: { HIVE_CLIENT: client },
          },
        ]
      : []),
  ];
}
const shared: ContenderSpec[] = [
  {
    id: 'floor',
    kind: 'floor',
    client: 'any',
    label: 'kit floor (node:http + kit clients, no GraphQL)',
    entry: 'bench/floor/main.ts',
    env: {},
  },
  {
    id: 'lean',
    kind: 'lean',
    client: 'any',
    label: 'lean floor (no kit: node:http, undici, grpc-js)',
    entry: 'bench/lean/main.ts',
    env: {},
  },
  { id: 'empty', kind: 'empty', client: 'any', label: 'empty handler (HTTP ceiling)', entry: 'bench/empty/main.ts', env: {} },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const log = (line: string) => process.stdout.write(`${line}\n`);

async function setLatency(backends: BackendsProcess, latencyMs: number): Promise<void> {
  const spec = latencyMs > 0 ? { latencyMs } : {};
  await backends.admin.faults({ users: spec, catalog: spec, orders: spec, inventory: spec, reviews: spec });
}

const startedAt = new Date();
const started = performance.now();
log(
  `bench: ${quick ? 'quick' : 'full'} — ${configs.length} scenario/latency configs, ${settings.rounds} round(s) of ${settings.saturationSeconds} s saturation`,
);

// The backends and the load tool (this process, which `npm run bench` starts with one thread)
// share the machine with the contender being measured: their garbage collections must not
// spread over more threads than there are cores either, or they stall every contender alike.
const backends = await startBackendsProcess({
  IDENTITY_HMAC_SECRET: IDENTITY_SECRET,
  LOG_LEVEL: 'warn',
  NODE_OPTIONS: [process.env.NODE_OPTIONS, poolSizeFlag].filter(Boolean).join(' '),
});
const running: RunningContender[] = [];
// Compiled with tsc and run by plain node, as deployed, unless --source asks for tsx.
const compiledRoot = args.source ? undefined : compileForBench();
if (args.hive) prepareHive(compiledRoot);
let exitCode = 0;
try {
  const commonEnv = {
    ...backendEnv(backends),
    NODE_ENV: 'production',
    IDENTITY_HMAC_SECRET: IDENTITY_SECRET,
    LOG_LEVEL: 'warn',
    // Rate limiting on, as in production (issue 21: no feature turned off), with budgets no
    // bench user reaches: every request comes from one address and a handful of users.
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_USER: '1000000',
    RATE_LIMIT_ANONYMOUS: '1000000',
    // The comparison is without caching: no floor caches or collapses (bff-cached turns both on).
    BFF_CACHE: 'off',
    BFF_COLLAPSE: 'false',
    // The hand-written contenders give every backend call 10 s; the BFFs the same, so that on a
    // loaded machine the naive mode's hundreds of calls per request time out no sooner.
    UPSTREAM_TIMEOUT_MS: '10000',
    // Throughput, not admission: a fixed cap of 512 in flight, as before priority admission, so
    // that no request is shed and no `@criticality(level: LOW)` field degrades under the bench's
    // saturation (degraded answers are cheaper). bench/overload.ts measures admission itself.
    TRAFFIC_LIMIT_MIN: '512',
    TRAFFIC_LIMIT_INITIAL: '512',
    SHED_MAX_IN_FLIGHT: '512',
  };
  const clients = [...new Set(configs.map((c) => (c.id === 'home' ? 'mobile' : 'web')))] as ('mobile' | 'web')[];
  const specs = [...clients.flatMap(specsFor), ...shared].map((spec) => ({ ...spec, nodeArgs: [poolSizeFlag, ...(spec.nodeArgs ?? [])] }));
  // Each kept as it starts: if another fails to, `finally` still stops those already running.
  await Promise.all(specs.map(async (spec) => running.push(await startContender(spec, commonEnv, compiledRoot))));
  log(`bench: ${running.length} contenders up (pids ${running.map((r) => `${r.spec.client}:${r.spec.id}=${r.pid}`).join(', ')})`);
  const floor = running.find((r) => r.spec.id === 'floor')!;
  const lean = running.find((r) => r.spec.id === 'lean')!;
  const empty = running.find((r) => r.spec.id === 'empty')!;
  const contendersOf = (scenario: Scenario) => running.filter((r) => r.spec.client === scenario.client);

  // Each measured window (its warm-up included) runs with every other contender frozen, as the
  // only process under test besides the backends and the load tool; and its peak RSS is
  // measured on its own, so a scenario's peak is the highest over that scenario's windows.
  const peakRss = new Map<string, number>();
  const measure = async <T>(contender: RunningContender, peakKey: string, run: () => Promise<T>): Promise<T> => {
    // Frozen only once idle: a contender stopped with requests in flight would find their
    // deadlines passed when it runs again, fail them, and open its circuit breakers.
    await quiesce();
    if (!args['no-isolate']) await Promise.all(running.filter((other) => other !== contender).map((other) => other.pause()));
    contender.resume();
    contender.resetPeakRss();
    try {
      return await run();
    } finally {
      peakRss.set(peakKey, Math.max(peakRss.get(peakKey) ?? 0, contender.peakRssBytes()));
    }
  };

  const cursors = await collectCursors(floor.url, backends.urls.idp);
  const scenarios = new Map((await buildScenarios({ idpUrl: backends.urls.idp, cursors })).map((s) => [s.id, s]));

  // 1. Same data and backend calls, before anything is timed.
  const calls = new Map<string, CallCount>();
  const responseBytes = new Map<string, number>();
  for (const latencyMs of [...new Set(configs.map((c) => c.latencyMs))]) {
    await setLatency(backends, latencyMs);
    for (const config of configs.filter((c) => c.latencyMs === latencyMs)) {
      const scenario = scenarios.get(config.id)!;
      const { mismatches } = await checkSameData(scenario, floor, [...contendersOf(scenario), lean]);
      if (mismatches.length) throw new Error(`${scenario.id} @ ${latencyMs} ms: contenders disagree:\n  ${mismatches.join('\n  ')}`);
      for (const contender of [...contendersOf(scenario), floor, lean]) {
        calls.set(`${config.id}@${latencyMs}:${contender.spec.id}`, await countCalls(scenario, contender, backends.admin.stats));
      }
      const sample = await send(floor.url, scenario.requests[0]!);
      responseBytes.set(config.id, JSON.stringify({ data: sample.data }).length);
    }
  }
  // Idle RSS: each contender warmed by the checks above, then left alone (its heap settled).
  await quiesce();
  const idleRss = new Map(
    running.map((r) => [
      r.spec.id === 'floor' || r.spec.id === 'lean' || r.spec.id === 'empty' ? r.spec.id : `${r.spec.client}:${r.spec.id}`,
      r.rssBytes(),
    ]),
  );
  const idleRssOf = (contender: RunningContender) =>
    idleRss.get(contender.spec.client === 'any' ? contender.spec.id : `${contender.spec.client}:${contender.spec.id}`) ?? 0;
  log(`bench: same data from every contender; backend calls counted`);

  // 2. Saturation rounds; the order of contenders rotates per round so drift spreads evenly.
  const saturation = new Map<string, LoadResult[]>();
  const cacheHitRates = new Map<string, number | null>();
  const key = (configId: string, latencyMs: number, id: string) => `${configId}@${latencyMs}:${id}`;
  const emptyRuns: LoadResult[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const latencyMs of [...new Set(configs.map((c) => c.latencyMs))]) {
      await setLatency(backends, latencyMs);
      for (const config of configs.filter((c) => c.latencyMs === latencyMs)) {
        const scenario = scenarios.get(config.id)!;
        const list = [...contendersOf(scenario), floor, lean];
        const rotated = [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
        for (const contender of rotated) {
          // The naive BFF gets fewer connections: at 32, each request's hundreds of backend calls
          // queue behind the others' and few complete within a run; its throughput is bound by
          // the backends either way, and a shorter queue keeps its CPU per request honest. Hive
          // Gateway gets as many (~60 ms of CPU per dashboard request: at 32, one outlasts a quick window).
          const connections =
            contender.spec.kind === 'naive' || contender.spec.kind === 'peer' ? settings.naiveConnections : settings.saturationConnections;
          // Warm before every window, not just the first: a contender sits idle while the others
          // run, and V8 shrinks an idle process's heap (its memory reducer), so a window that
          // started cold would time the regrowth, not the steady state a busy server is in.
          const k = key(config.id, latencyMs, contender.spec.id);
          const result = await measure(contender, k, async () => {
            await runLoad(contender, scenario.requests, { duration: settings.warmupSeconds, connections });
            return runLoad(contender, scenario.requests, { duration: settings.saturationSeconds, connections });
          });
          saturation.set(k, [...(saturation.get(k) ?? []), result]);
          if (contender.spec.id === 'bff-cached') cacheHitRates.set(k, await cacheHitRate(contender));
          log(
            `  round ${round + 1} ${k}: ${result.requestsPerSecond.toFixed(0)} req/s, ${((result.cpuSeconds * 1000) / Math.max(1, result.ok)).toFixed(2)} ms CPU/req${result.failed ? `, ${result.failed} failed` : ''}`,
          );
          // A contender that died fails every later request: say why once, with its stderr.
          const exited = contender.exited();
          if (exited) throw new Error(`contender ${contender.spec.id} ${exited}`);
        }
      }
    }
    // The ceiling does not depend on scenario or latency: once per round.
    const emptyLoad = scenarios.get(configs[0]!.id)!.requests;
    emptyRuns.push(
      await measure(empty, 'empty', async () => {
        await runLoad(empty, emptyLoad, { duration: settings.warmupSeconds, connections: settings.saturationConnections });
        return runLoad(empty, emptyLoad, { duration: settings.saturationSeconds, connections: settings.saturationConnections });
      }),
    );
  }

  // 3. Latency at a common fixed rate: half the slower of the shipped BFF and the floor, so
  // both have headroom; a contender slower than 1.2× that rate is marked as unable. Paced in
  // rounds like the saturation (order rotated per round), and the median of the rounds' p50s
  // and p99s reported: one window's p99 is its tenth-slowest request of ~1,000, so a single
  // full garbage collection (or anything else on a 2-core machine) inside a window decides it.
  const rpsOf = (configId: string, latencyMs: number, id: string) =>
    id === 'empty'
      ? median(emptyRuns.map((r) => r.requestsPerSecond))
      : median(saturation.get(key(configId, latencyMs, id))!.map((r) => r.requestsPerSecond));
  // Half the slowest of the shipped BFF, stock Apollo and the two floors: all of them have headroom.
  const commonRateOf = (configId: string, latencyMs: number) =>
    Math.max(1, Math.floor(0.5 * Math.min(...['bff', 'stock', 'floor', 'lean'].map((id) => rpsOf(configId, latencyMs, id)))));
  const paced = new Map<string, LoadResult[]>();
  for (let round = 0; round < settings.rounds; round++) {
    for (const latencyMs of [...new Set(configs.map((c) => c.latencyMs))]) {
      await setLatency(backends, latencyMs);
      for (const config of configs.filter((c) => c.latencyMs === latencyMs)) {
        const scenario = scenarios.get(config.id)!;
        const commonRate = commonRateOf(config.id, latencyMs);
        // The empty handler's latency is a reference, not a target: quick mode leaves it out.
        const list = [...contendersOf(scenario), floor, lean, ...(quick ? [] : [empty])].filter(
          (c) => rpsOf(config.id, latencyMs, c.spec.id) >= commonRate * 1.2,
        );
        const rotated = [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
        for (const contender of rotated) {
          const id = contender.spec.id;
          // Enough samples for a p99 that is not just the few slowest requests, and a window long
          // enough to hold the contender's full garbage collections (a major GC of a busy process
          // stalls it for tens of ms, and those stalls are what a p99 shows): ~1,000 requests
          // (~400 in quick mode), within limits.
          const duration = Math.min(settings.rateSeconds * 5, Math.max(settings.rateSeconds, settings.rateSamples / commonRate));
          const k = key(config.id, latencyMs, id);
          const result = await measure(contender, id === 'empty' ? 'empty' : k, async () => {
            // The same warm-up at the paced rate first: the contender has been idle since its
            // last window.
            await runPacedLoad(contender, scenario.requests, {
              duration: settings.warmupSeconds,
              connections: settings.rateConnections,
              rate: commonRate,
            });
            return runPacedLoad(contender, scenario.requests, { duration, connections: settings.rateConnections, rate: commonRate });
          });
          paced.set(k, [...(paced.get(k) ?? []), result]);
          log(
            `  paced round ${round + 1} ${k} at ${commonRate}/s: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms${result.failed ? `, ${result.failed} failed` : ''}`,
          );
        }
      }
    }
  }

  const results: ScenarioResult[] = [];
  for (const latencyMs of [...new Set(configs.map((c) => c.latencyMs))]) {
    for (const config of configs.filter((c) => c.latencyMs === latencyMs)) {
      const scenario = scenarios.get(config.id)!;
      const list = [...contendersOf(scenario), floor, lean, empty];
      const commonRate = commonRateOf(config.id, latencyMs);
      const rows: ContenderResult[] = [];
      for (const contender of list) {
        const id = contender.spec.id;
        const runs = id === 'empty' ? emptyRuns : saturation.get(key(config.id, latencyMs, id))!;
        const fixed = paced.get(key(config.id, latencyMs, id));
        const count = id === 'empty' ? undefined : calls.get(`${config.id}@${latencyMs}:${id}`);
        rows.push({
          id,
          label: contender.spec.label,
          kind: contender.spec.kind,
          rps: rpsOf(config.id, latencyMs, id),
          rpsRounds: runs.map((r) => Math.round(r.requestsPerSecond)),
          cpuMsPerRequest: median(runs.map((r) => (r.cpuSeconds * 1000) / Math.max(1, r.ok))),
          p50Ms: fixed ? median(fixed.map((r) => r.p50)) : null,
          p99Ms: fixed ? median(fixed.map((r) => r.p99)) : null,
          p99Rounds: fixed ? fixed.map((r) => Math.round(r.p99 * 10) / 10) : [],
          idleRssMb: idleRssOf(contender) / (1024 * 1024),
          peakRssMb: (peakRss.get(id === 'empty' ? 'empty' : key(config.id, latencyMs, id)) ?? 0) / (1024 * 1024),
          callsPerRequest: count ? count.perRequest : null,
          callsByBackend: count?.byBackend ?? {},
          ...(id === 'bff-cached' && { cacheHitRate: cacheHitRates.get(key(config.id, latencyMs, id)) ?? null }),
          failed: runs.reduce((n, r) => n + r.failed, 0) + (fixed ?? []).reduce((n, r) => n + r.failed, 0),
          rpsVsFloor: 0,
          cpuVsFloor: 0,
          rpsVsNaive: null,
          cpuVsNaive: null,
          rpsVsStock: null,
          cpuVsStock: null,
          rpsVsLean: 0,
          cpuVsLean: 0,
        });
      }
      const floorRow = rows.find((r) => r.id === 'floor')!;
      const naiveRow = rows.find((r) => r.id === 'naive');
      const stockRow = rows.find((r) => r.id === 'stock');
      const leanRow = rows.find((r) => r.id === 'lean')!;
      for (const row of rows) {
        row.rpsVsStock = stockRow ? row.rps / stockRow.rps : null;
        row.cpuVsStock = stockRow ? row.cpuMsPerRequest / stockRow.cpuMsPerRequest : null;
        row.rpsVsLean = row.rps / leanRow.rps;
        row.cpuVsLean = row.cpuMsPerRequest / leanRow.cpuMsPerRequest;
        row.rpsVsFloor = row.rps / floorRow.rps;
        row.cpuVsFloor = row.cpuMsPerRequest / floorRow.cpuMsPerRequest;
        row.rpsVsNaive = naiveRow ? row.rps / naiveRow.rps : null;
        row.cpuVsNaive = naiveRow ? row.cpuMsPerRequest / naiveRow.cpuMsPerRequest : null;
      }
      results.push({
        scenario: scenario.id,
        title: scenario.title,
        latencyMs,
        minimalCalls: scenario.minimalCalls,
        commonRate,
        responseBytes: responseBytes.get(scenario.id) ?? 0,
        contenders: rows,
      });
    }
  }

  for (const contender of running) contender.resume();

  const targets = checkTargets(results);
  const failedTotal = results.reduce((n, s) => n + s.contenders.reduce((m, c) => m + c.failed, 0), 0);
  const bench: BenchResults = {
    startedAt: startedAt.toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      nproc: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.versions.node,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      // Other work on the machine skews every number: the load averages at the end say how much there was.
      loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    },
    settings: { ...settings, executor: shippedExecutor, isolated: !args['no-isolate'] },
    results,
    targets,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const dir = join(args.out!, stamp);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(bench, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), toMarkdown(bench, 'chart.svg'));
  writeFileSync(join(dir, 'chart.svg'), toSvg(bench));
  if (args['update-docs']) {
    writeFileSync(
      join(args.out!, 'latest.md'),
      toMarkdown(bench, 'latest.svg').replace(/^# Benchmark /, `# Latest benchmark (${stamp}/) `),
    );
    writeFileSync(join(args.out!, 'latest.svg'), toSvg(bench));
  }

  log('');
  for (const s of results) {
    log(`${s.title} @ ${s.latencyMs} ms (common rate ${s.commonRate}/s)`);
    for (const c of s.contenders) {
      log(
        `  ${c.label.padEnd(52)} ${c.rps.toFixed(0).padStart(6)} req/s  ${c.cpuMsPerRequest.toFixed(2).padStart(7)} ms CPU  ` +
          `p99 ${c.p99Ms === null ? '    —' : c.p99Ms.toFixed(1).padStart(6)} ms  RSS ${c.peakRssMb.toFixed(0).padStart(4)}/${c.idleRssMb.toFixed(0).padStart(4)} MB  ${(c.callsPerRequest ?? 0).toFixed(1).padStart(5)} calls  ` +
          `×${c.rpsVsLean.toFixed(2)} lean  ×${c.rpsVsFloor.toFixed(2)} floor${c.rpsVsStock === null ? '' : `  ×${c.rpsVsStock.toFixed(2)} stock`}`,
      );
    }
  }
  log('');
  for (const t of targets) log(`${t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}${t.met || !t.whyNot ? '' : ` (why: ${t.whyNot})`}`);
  log(
    `\nbench: wrote ${dir}/${args['update-docs'] ? ` and ${args.out}/latest.{md,svg}` : ''} in ${Math.round(bench.elapsedSeconds)} s${failedTotal ? ` — ${failedTotal} requests failed` : ''}`,
  );
  if (failedTotal) exitCode = 1;
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  exitCode = 1;
} finally {
  await Promise.allSettled(running.map((r) => r.stop()));
  await backends.stop();
}
if (args.overload && exitCode === 0) {
  // The overload bench runs the same compiled tree (or, with --source, tsx itself).
  if (compiledRoot) process.env.BENCH_COMPILED_ROOT = compiledRoot;
  await import('./overload.js');
}
if (args.collapse && exitCode === 0) {
  exitCode = await (await import('./collapse.js')).runCollapseBench({ quick, compiledRoot, chained: true });
}
process.exit(exitCode);

/** Share of the public-cache lookups served from memory (fresh or stale) so far, from the contender's /metrics (its admin port). */
async function cacheHitRate(contender: RunningContender): Promise<number | null> {
  try {
    const text = await (await fetch(`${contender.adminOrigin}/metrics`)).text();
    const by: Record<string, number> = {};
    for (const m of text.matchAll(/^bff_cache_lookups_total\{[^}]*result="(\w+)"[^}]*\} (\S+)$/gm))
      by[m[1]!] = (by[m[1]!] ?? 0) + Number(m[2]);
    const all = Object.values(by).reduce((a, b) => a + b, 0);
    return all ? ((by.hit ?? 0) + (by.stale ?? 0)) / all : null;
  } catch {
    return null;
  }
}

/**
 * Issue 21's goals, for the shipped BFF against stock Apollo and the lean floor measured in the
 * same run: every screen ≥ 1.5× stock's req/s; ≥ 0.85× (Home) or 0.9× (the dashboard) the lean
 * floor's req/s at ≤ 1.2× its CPU per request; peak and idle RSS ≤ 1.1× its; p99 at the common
 * paced rate ≤ its + 5 ms; and the minimal backend calls.
 */
function checkTargets(results: ScenarioResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  // What was measured to cause each miss so far (docs/performance.md, "What is left").
  const why = {
    stock:
      "a small screen's fixed cost per request (edge, authentication, identity signing, loaders, GC); stock runs at ~0.66x the lean floor on Home, so 1.5x stock means matching the lean floor",
    cpu: "garbage collection: the BFF allocates ~1.5x the lean floor's bytes per request (the executor's result objects, shaped objects, loader bookkeeping), and its scavenges are most of the gap",
    rss: 'the modules the lean floor does not load (Apollo Server, graphql-jit, fastify, zod) and the schema; under load, a larger old generation',
    p99: 'young-generation collections inside the paced run (the same allocation)',
  };
  const row = (s: ScenarioResult, id: string) => s.contenders.find((c) => c.id === id);
  const x = (n: number) => `${n.toFixed(2)}×`;
  for (const s of results) {
    const bff = row(s, 'bff');
    const lean = row(s, 'lean');
    const stock = row(s, 'stock');
    const hive = row(s, 'hive');
    if (!bff || !lean) continue;
    const at = `${s.scenario} @ ${s.latencyMs} ms`;
    if (stock)
      checks.push({
        target: `${at}: req/s ≥ 1.5× stock Apollo`,
        measured: x(bff.rps / stock.rps),
        met: bff.rps / stock.rps >= 1.5,
        whyNot: why.stock,
      });
    if (hive) checks.push({ target: `${at}: req/s ≥ 3× Hive Gateway`, measured: x(bff.rps / hive.rps), met: bff.rps / hive.rps >= 3 });
    const floorShare = s.scenario === 'home' ? 0.85 : 0.9;
    checks.push({
      target: `${at}: req/s ≥ ${floorShare}× lean floor`,
      measured: x(bff.rpsVsLean),
      met: bff.rpsVsLean >= floorShare,
      whyNot: why.cpu,
    });
    checks.push({ target: `${at}: CPU/request ≤ 1.2× lean floor`, measured: x(bff.cpuVsLean), met: bff.cpuVsLean <= 1.2, whyNot: why.cpu });
    checks.push({
      target: `${at}: peak RSS ≤ 1.1× lean floor`,
      measured: `${bff.peakRssMb.toFixed(0)} vs ${lean.peakRssMb.toFixed(0)} MB`,
      met: bff.peakRssMb <= 1.1 * lean.peakRssMb,
      whyNot: why.rss,
    });
    checks.push({
      target: `${at}: idle RSS ≤ 1.1× lean floor`,
      measured: `${bff.idleRssMb.toFixed(0)} vs ${lean.idleRssMb.toFixed(0)} MB`,
      met: bff.idleRssMb <= 1.1 * lean.idleRssMb,
      whyNot: why.rss,
    });
    checks.push({
      target: `${at}: backend calls = ${s.minimalCalls} (minimal)`,
      measured: `${bff.callsPerRequest}`,
      met: bff.callsPerRequest === s.minimalCalls,
    });
    if (bff.p99Ms !== null && lean.p99Ms !== null) {
      checks.push({
        target: `${at}: p99 ≤ lean floor + 5 ms at ${s.commonRate} req/s`,
        measured: `${bff.p99Ms.toFixed(1)} vs ${lean.p99Ms.toFixed(1)} ms`,
        met: bff.p99Ms <= lean.p99Ms + 5,
        whyNot: why.p99,
      });
    }
  }
  return checks;
}
