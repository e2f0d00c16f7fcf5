import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { backendEnv } from '../fixtures/startBffs.js';
import { peakRssOf, resetPeakRssOf, startContender, type ContenderSpec, type RunningContender } from '../../bench/lib/contenders.js';
import { runLoad } from '../../bench/lib/load.js';
import { buildScenarios, collectCursors, type Scenario } from '../../bench/lib/scenarios.js';
import { checkSameData, countCalls } from '../../bench/lib/verify.js';

/**
 * The benchmark's smoke variant (`npm run bench` in a few seconds): the same processes, the
 * same requests, and only what is stable — every contender returns the floor's data, the
 * exact backend calls per request, no failed request under a short load. Never a speed.
 */
const SECRET = 'bench-smoke-identity-secret-0123';
const specs: ContenderSpec[] = [
  { id: 'bff', kind: 'bff', client: 'mobile', label: 'bff-mobile', entry: 'bff-mobile/main.ts', env: {} },
  { id: 'bff', kind: 'bff', client: 'web', label: 'bff-web', entry: 'bff-web/main.ts', env: {} },
  { id: 'naive', kind: 'naive', client: 'web', label: 'bff-web naive', entry: 'bff-web/main.ts', env: { BFF_BATCHING: 'false' } },
  { id: 'floor', kind: 'floor', client: 'any', label: 'floor', entry: 'bench/floor/main.ts', env: {} },
  // The references that share no code with the kit: they must answer the same data too.
  { id: 'stock', kind: 'stock', client: 'mobile', label: 'stock mobile', entry: 'bench/stock/main.ts', env: { STOCK_CLIENT: 'mobile' } },
  { id: 'stock', kind: 'stock', client: 'web', label: 'stock web', entry: 'bench/stock/main.ts', env: { STOCK_CLIENT: 'web' } },
  { id: 'lean', kind: 'lean', client: 'any', label: 'lean', entry: 'bench/lean/main.ts', env: {} },
];

describe('benchmark smoke', { timeout: 600_000 }, () => {
  let backends: BackendsProcess;
  const contenders: RunningContender[] = [];
  let scenarios: Map<Scenario['id'], Scenario>;
  const contender = (client: string, id: string) => contenders.find((c) => c.spec.client === client && c.spec.id === id)!;

  before(async () => {
    backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: SECRET });
    // As `npm run bench` sets them: nothing cached or collapsed, and deadlines a loaded machine
    // does not reach (the naive mode's hundreds of calls per request timed out at the default 2 s).
    const env = {
      ...backendEnv(backends),
      NODE_ENV: 'production',
      IDENTITY_HMAC_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      BFF_CACHE: 'off',
      BFF_COLLAPSE: 'false',
      UPSTREAM_TIMEOUT_MS: '10000',
    };
    // Each kept as it starts: if another fails to, `after` still stops those already running.
    await Promise.all(specs.map(async (spec) => contenders.push(await startContender(spec, env))));
    const cursors = await collectCursors(contender('any', 'floor').url, backends.urls.idp, 5);
    scenarios = new Map((await buildScenarios({ idpUrl: backends.urls.idp, cursors, variants: 20 })).map((s) => [s.id, s]));
  });
  after(async () => {
    await Promise.allSettled(contenders.map((c) => c.stop()));
    await backends?.stop();
  });

  it('every contender returns the floor’s data for the same requests', async () => {
    const home = await checkSameData(scenarios.get('home')!, contender('any', 'floor'), [
      contender('mobile', 'bff'),
      contender('mobile', 'stock'),
      contender('any', 'lean'),
    ]);
    assert.deepEqual(home.mismatches, []);
    for (const id of ['orders10', 'orders50'] as const) {
      const table = await checkSameData(
        scenarios.get(id)!,
        contender('any', 'floor'),
        [contender('web', 'bff'), contender('web', 'naive'), contender('web', 'stock'), contender('any', 'lean')],
        2,
      );
      assert.deepEqual(table.mismatches, [], id);
    }
  });

  it('makes the minimal backend calls whatever the list length; the naive mode makes many more', async () => {
    const stats = backends.admin.stats;
    const home = await countCalls(scenarios.get('home')!, contender('mobile', 'bff'), stats);
    assert.equal(home.perRequest, 5);
    assert.deepEqual(home.byBackend, { users: 1, catalog: 2, orders: 1, inventory: 1 });
    assert.deepEqual(
      await countCalls(scenarios.get('home')!, contender('any', 'lean'), stats),
      home,
      'the lean floor makes the same calls',
    );
    assert.deepEqual(
      await countCalls(scenarios.get('home')!, contender('mobile', 'stock'), stats),
      home,
      'stock Apollo makes the same calls',
    );
    for (const id of ['orders10', 'orders50'] as const) {
      const table = await countCalls(scenarios.get(id)!, contender('web', 'bff'), stats);
      assert.equal(table.perRequest, 4, id);
      assert.deepEqual(table.byBackend, { users: 1, catalog: 1, orders: 1, inventory: 1 }, id);
      const floor = await countCalls(scenarios.get(id)!, contender('any', 'floor'), stats);
      assert.deepEqual(floor, table, `${id}: the floor makes the same calls`);
      assert.deepEqual(
        await countCalls(scenarios.get(id)!, contender('any', 'lean'), stats),
        table,
        `${id}: the lean floor makes the same calls`,
      );
      assert.deepEqual(
        await countCalls(scenarios.get(id)!, contender('web', 'stock'), stats),
        table,
        `${id}: stock Apollo makes the same calls`,
      );
    }
    const naive = await countCalls(scenarios.get('orders50')!, contender('web', 'naive'), stats, 1);
    assert.ok(naive.perRequest > 100, `naive OrdersTable(50) made ${naive.perRequest} calls`);
  });

  it('answers a short load without a failed request', async () => {
    for (const [client, id, scenario] of [
      ['web', 'bff', 'orders10'],
      ['mobile', 'bff', 'home'],
      ['any', 'floor', 'orders10'],
    ] as const) {
      const result = await runLoad(contender(client, id), scenarios.get(scenario)!.requests, { duration: 1, connections: 4 });
      assert.equal(result.failed, 0, `${client}:${id} ${scenario}`);
      assert.ok(result.ok > 0, `${client}:${id} ${scenario} answered nothing`);
    }
  });

  it('freezes the contenders not being measured, and each answers again once resumed', async () => {
    const idle = contender('web', 'naive');
    await idle.pause();
    try {
      const cpuBefore = idle.cpuSeconds();
      const result = await runLoad(contender('mobile', 'bff'), scenarios.get('home')!.requests, { duration: 1, connections: 4 });
      assert.ok(result.ok > 0);
      // A stopped process is given no CPU at all, timers and garbage collection included.
      assert.equal(idle.cpuSeconds(), cpuBefore);
    } finally {
      idle.resume();
    }
    const table = await checkSameData(scenarios.get('orders10')!, contender('any', 'floor'), [idle], 1);
    assert.deepEqual(table.mismatches, []);
  });

  it('measures a window’s peak RSS on its own once reset', async () => {
    // A process whose peak is known: it touched 200 MB, gave them back, and idles.
    const child = spawn(
      process.execPath,
      ['--expose-gc', '-e', "let b = Buffer.alloc(2e8, 1); b = null; gc(); console.log('ready'); setInterval(() => {}, 1000)"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(child.stdout!, 'data');
      const MB = 1024 * 1024;
      assert.ok(peakRssOf(child.pid!) >= 190 * MB, `lifetime peak ${peakRssOf(child.pid!) / MB} MB`);
      resetPeakRssOf(child.pid!);
      assert.ok(peakRssOf(child.pid!) < 150 * MB, `peak after reset ${peakRssOf(child.pid!) / MB} MB`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
