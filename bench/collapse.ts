/**
 * `npx tsx bench/collapse.ts [--quick] [--source]` (or `npm run bench -- --collapse`): request
 * collapsing across replicas (issue 21, "What to build" 4), with the Redis lease off and on.
 *
 * Starts a throw-away redis-server, the demo backends (catalog, inventory and reviews answering
 * after 50 ms, so that the replicas' calls overlap) and 4 bff-mobile replicas on 127.0.0.1,
 * compiled and in production mode as the throughput bench runs them (`--source`: with tsx), all
 * with the public cache and its Redis tier (BFF_CACHE=memory, BFF_CACHE_REDIS=true), first with
 * BFF_COLLAPSE_REDIS_LEASE_MS=0, then with 2000. For 2 and then 4 of those replicas, each round
 * sends the same cold burst to all of them at once: 8 concurrent anonymous ProductScreen requests
 * per replica for one product no one asked for before (a fresh id per round, so each round is
 * cold in every process and in Redis). The screen reads the product (catalog, leased kind
 * `product`), its stock (inventory, `stock`) and its rating and reviews (the reviews backend: no
 * leases). Reports per mode the backend calls counted by the backends (`/stats` of their admin
 * API) per round and per request, `bff_cache_lookups_total{result="collapsed_replica"}` summed
 * over the replicas' /metrics, and the burst's p50 / p99 (from when the burst was sent).
 *
 * Needs redis-server (`apt-get install -y redis-server`): without it, says so and exits 1 (0 when
 * chained after `npm run bench`). Bounded: 4 replicas, a few hundred requests, each with a 10 s
 * client timeout; nothing but 127.0.0.1; everything it started is stopped at the end.
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { sampleOf } from '../test/fixtures/metricValue.js';
import { operation } from '../test/fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess, type BackendStats } from '../test/fixtures/startBackends.js';
import { backendEnv } from '../test/fixtures/startBffs.js';
import { hasRedisServer, startRedis, type RedisProcess } from '../test/fixtures/startRedis.js';
import { compileForBench, quiesce, startContender, type RunningContender } from './lib/contenders.js';

/** Concurrent requests per replica in one burst. */
const BURST = 8;
const REPLICA_COUNTS = [2, 4] as const;
const BACKEND_LATENCY_MS = 50;
const LEASE_MS = 2000;
const REQUEST_TIMEOUT_MS = 10_000;
const IDENTITY_SECRET = 'bench-collapse-identity-secret-0123456789';
/** The services the product screen calls, counted per round. */
const SERVICES = ['catalog', 'inventory', 'reviews'] as const;

export interface CollapseRow {
  leaseMs: number;
  replicas: number;
  rounds: number;
  requests: number;
  failed: number;
  /** Calls each service received over the measured rounds. */
  calls: Record<(typeof SERVICES)[number], number>;
  /** `collapsed_replica` lookups over the replicas, per kind (product, stock). */
  collapsedReplica: { product: number; stock: number };
  /** `shared_error` lookups (a Redis answer later than BFF_CACHE_REDIS_TIMEOUT_MS, or failed) over the replicas and kinds. */
  sharedErrors: number;
  p50Ms: number;
  p99Ms: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

const REDIS_MISSING = 'collapse bench: needs redis-server on PATH (apt-get install -y redis-server); not run';

/**
 * Runs the collapse bench and prints its table. @returns the exit code: 0, or 1 when a request
 * failed or (unless `chained`) redis-server is missing.
 */
export async function runCollapseBench(options: { quick: boolean; compiledRoot: string | undefined; chained: boolean }): Promise<number> {
  if (!hasRedisServer()) {
    process.stderr.write(`${REDIS_MISSING}\n`);
    return options.chained ? 0 : 1;
  }
  const rounds = options.quick ? 4 : 10;
  const screen = operation('mobile', 'ProductScreen');
  const agent = new Agent({ connections: BURST, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  let redis: RedisProcess | undefined;
  let backends: BackendsProcess | undefined;
  const replicas: RunningContender[] = [];
  // Fresh product ids, one per burst, never asked before in this run (the catalog has 2000).
  let nextProduct = 1001;
  const freshProduct = () => `p-${String(nextProduct++).padStart(5, '0')}`;

  /** One burst: BURST requests per replica for `id`, all sent at once. @returns latencies (ms) and failures. */
  const burst = async (set: readonly RunningContender[], id: string): Promise<{ ms: number[]; failed: number }> => {
    const body = JSON.stringify({ operationName: 'ProductScreen', query: screen.query, variables: { id } });
    const started = performance.now();
    const outcomes = await Promise.all(
      set.flatMap((replica) =>
        Array.from({ length: BURST }, async () => {
          try {
            const res = await request(replica.url, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json', 'x-apollo-operation-name': 'ProductScreen' },
              dispatcher: agent,
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            const json = (await res.body.json()) as { data?: { product?: { id?: string } }; errors?: unknown[] };
            const ok = res.statusCode === 200 && !json.errors?.length && json.data?.product?.id === id;
            return { ok, ms: performance.now() - started };
          } catch {
            return { ok: false, ms: performance.now() - started };
          }
        }),
      ),
    );
    return { ms: outcomes.filter((o) => o.ok).map((o) => o.ms), failed: outcomes.filter((o) => !o.ok).length };
  };

  /** Backend calls so far, and the replicas' collapsed_replica lookups so far. */
  const snapshot = async (set: readonly RunningContender[]) => {
    const stats: BackendStats = await backends!.admin.stats();
    const collapsed = { product: 0, stock: 0 };
    let errors = 0;
    for (const replica of set) {
      const text = await (await fetch(`${replica.adminOrigin}/metrics`)).text();
      for (const kind of ['product', 'stock'] as const)
        collapsed[kind] += sampleOf(text, 'bff_cache_lookups_total', { kind, result: 'collapsed_replica' }) ?? 0;
      for (const m of text.matchAll(/^bff_cache_lookups_total\{[^}]*result="shared_error"[^}]*\} (\S+)$/gm)) errors += Number(m[1]);
    }
    return { calls: Object.fromEntries(SERVICES.map((s) => [s, stats[s].calls])) as CollapseRow['calls'], collapsed, errors };
  };

  const rows: CollapseRow[] = [];
  let failedTotal = 0;
  try {
    redis = await startRedis();
    backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: IDENTITY_SECRET, LOG_LEVEL: 'warn' });
    await backends.admin.faults(Object.fromEntries(SERVICES.map((s) => [s, { latencyMs: BACKEND_LATENCY_MS }])));
    for (const leaseMs of [0, LEASE_MS]) {
      const env = {
        ...backendEnv(backends),
        NODE_ENV: 'production',
        IDENTITY_HMAC_SECRET: IDENTITY_SECRET,
        LOG_LEVEL: 'warn',
        // Every request comes from one address: a rate limit is not what is measured.
        RATE_LIMIT_ENABLED: 'false',
        BFF_CACHE: 'memory',
        BFF_COLLAPSE: 'true',
        BFF_CACHE_REDIS: 'true',
        REDIS_URL: redis.url,
        BFF_COLLAPSE_REDIS_LEASE_MS: String(leaseMs),
      };
      // Each kept as it starts: if another fails to, the run still stops those already running.
      const started: RunningContender[] = [];
      await Promise.all(
        Array.from({ length: Math.max(...REPLICA_COUNTS) }, async (_, i) => {
          const replica = await startContender(
            {
              id: `replica-${i + 1}`,
              kind: 'bff',
              client: 'mobile',
              label: `bff-mobile replica ${i + 1} (lease ${leaseMs} ms)`,
              entry: 'bff-mobile/main.ts',
              env: {},
              // One V8 background thread, as the k8s manifests and the throughput bench set (2 cores).
              nodeArgs: ['--v8-pool-size=1'],
            },
            env,
            options.compiledRoot,
          );
          started.push(replica);
          replicas.push(replica);
        }),
      );
      // Warm-up, not counted: every replica compiles its code paths and connects to the backends and Redis.
      for (let i = 0; i < 3; i++) await burst(started, freshProduct());
      for (const n of REPLICA_COUNTS) {
        const set = started.slice(0, n);
        await quiesce();
        const before = await snapshot(set);
        const ms: number[] = [];
        let failed = 0;
        for (let r = 0; r < rounds; r++) {
          // Each burst starts with the machine idle: the last one's Redis writes and releases done.
          await quiesce();
          const result = await burst(set, freshProduct());
          ms.push(...result.ms);
          failed += result.failed;
        }
        const after = await snapshot(set);
        failedTotal += failed;
        ms.sort((a, b) => a - b);
        const at = (q: number) => ms[Math.max(0, Math.ceil(q * ms.length) - 1)] ?? Number.NaN;
        rows.push({
          leaseMs,
          replicas: n,
          rounds,
          requests: rounds * n * BURST,
          failed,
          calls: Object.fromEntries(SERVICES.map((s) => [s, after.calls[s] - before.calls[s]])) as CollapseRow['calls'],
          collapsedReplica: {
            product: after.collapsed.product - before.collapsed.product,
            stock: after.collapsed.stock - before.collapsed.stock,
          },
          sharedErrors: after.errors - before.errors,
          p50Ms: at(0.5),
          p99Ms: at(0.99),
        });
      }
      await Promise.all(started.map((replica) => replica.stop()));
      replicas.length = 0;
    }
  } finally {
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await agent.close();
    await backends?.stop();
    await redis?.stop();
  }

  log(
    `\nRequest collapsing across replicas (bff-mobile ProductScreen, ${rounds} cold rounds, ${BURST} concurrent requests per replica per round, ` +
      `backends at ${BACKEND_LATENCY_MS} ms, BFF_CACHE=memory + BFF_CACHE_REDIS; a fresh product per round)\n`,
  );
  log(
    '| replicas | lease | requests | catalog calls / round | inventory calls / round | reviews calls / round | backend calls / request | collapsed_replica (product / stock) | shared_error | p50 | p99 |',
  );
  log('| --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const row of rows) {
    const perRound = (n: number) => (n / row.rounds).toFixed(1);
    const total = SERVICES.reduce((sum, s) => sum + row.calls[s], 0);
    log(
      `| ${row.replicas} | ${row.leaseMs ? `${row.leaseMs} ms` : 'off'} | ${row.requests}${row.failed ? ` (${row.failed} failed)` : ''} | ` +
        `${perRound(row.calls.catalog)} | ${perRound(row.calls.inventory)} | ${perRound(row.calls.reviews)} | ${(total / row.requests).toFixed(3)} | ` +
        `${row.collapsedReplica.product} / ${row.collapsedReplica.stock} | ${row.sharedErrors} | ${row.p50Ms.toFixed(0)} ms | ${row.p99Ms.toFixed(0)} ms |`,
    );
  }
  if (failedTotal) log(`\ncollapse bench: ${failedTotal} requests failed`);
  return failedTotal ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, source: { type: 'boolean', default: false } } });
  if (!hasRedisServer()) {
    process.stderr.write(`${REDIS_MISSING}\n`);
    process.exit(1);
  }
  const compiledRoot = values.source ? undefined : (process.env.BENCH_COMPILED_ROOT ?? compileForBench());
  process.exit(await runCollapseBench({ quick: values.quick === true, compiledRoot, chained: false }));
}
