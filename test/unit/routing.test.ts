import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { anonymousViewer, type Viewer } from '../../src/auth/Viewer.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';
import { createBackends } from '../../src/datasources/createBackends.js';
import { BffError } from '../../src/errors/BffError.js';
import { assignVariant, bucketOf, matches, unitOf, variantOfBucket } from '../../src/routing/assignVariant.js';
import { CanaryMonitor } from '../../src/routing/CanaryMonitor.js';
import { createRouter, type RouteDecision } from '../../src/routing/createRouter.js';
import { parseRoutingRules } from '../../src/routing/routingRules.js';

const user = (userId: string, extra: Partial<Viewer> = {}): Viewer => ({
  kind: 'user',
  userId,
  scopes: new Set(),
  client: 'mobile',
  plan: 'default',
  ...extra,
});

test('the split over 10,000 simulated users is within ±1.5 % of each configured share', () => {
  for (const weights of [
    [90, 10],
    [50, 50],
    [70, 20, 10],
  ]) {
    const variants = weights.map((weight, i) => ({ name: `v${i}`, weight }));
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const v = variantOfBucket(variants, bucketOf('catalog-v2', `user:u-${String(i).padStart(5, '0')}`));
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    variants.forEach((v) => {
      const share = (counts.get(v.name) ?? 0) / 10_000;
      assert.ok(Math.abs(share - v.weight / total) <= 0.015, `${weights}: ${v.name} got ${share}`);
    });
  }
});

test('assignment is sticky (same unit, same variant) and independent between experiments', () => {
  const rules = parseRoutingRules(
    JSON.stringify({
      experiments: [
        {
          name: 'a',
          variants: [
            { name: 'x', weight: 50 },
            { name: 'y', weight: 50 },
          ],
        },
        {
          name: 'b',
          variants: [
            { name: 'x', weight: 50 },
            { name: 'y', weight: 50 },
          ],
        },
      ],
    }),
    'test',
  );
  const [a, b] = rules.experiments as [(typeof rules.experiments)[0], (typeof rules.experiments)[0]];
  let differ = 0;
  for (let i = 0; i < 200; i++) {
    const subject = { viewer: user(`u-${i}`), headers: {} };
    const unit = unitOf(subject);
    assert.equal(unit, `user:u-${i}`);
    assert.deepEqual(assignVariant(a, subject, unit), assignVariant(a, subject, unit));
    if (assignVariant(a, subject, unit).variant !== assignVariant(b, subject, unit).variant) differ++;
  }
  // Salted by experiment name: about half the users differ between two 50/50 experiments.
  assert.ok(differ > 60 && differ < 140, `differ=${differ}`);
  // Anonymous: the device id header, then the cookie; neither: no unit (baseline).
  assert.equal(unitOf({ viewer: anonymousViewer('mobile'), headers: { 'x-device-id': 'dev-1' } }), 'device:dev-1');
  assert.equal(unitOf({ viewer: anonymousViewer('mobile'), headers: { cookie: 'a=b; bff_device=dev-2' } }), 'device:dev-2');
  assert.equal(unitOf({ viewer: anonymousViewer('mobile'), headers: {} }), undefined);
  assert.deepEqual(assignVariant(a, { viewer: anonymousViewer('mobile'), headers: {} }, undefined), { variant: 'x', reason: 'baseline' });
});

test('segments match by claim, scope, client name and version, and header; the first match pins its variant', () => {
  const subject = (viewer: Viewer, headers: Record<string, string> = {}) => ({ viewer, headers });
  const gold = user('u-1', { claims: { tier: 'gold', country: 'DE', staff: true } });
  assert.ok(matches({ claim: { tier: 'gold' } }, subject(gold)));
  assert.ok(matches({ claim: { country: ['AT', 'DE'], staff: true } }, subject(gold)));
  assert.ok(!matches({ claim: { tier: 'silver' } }, subject(gold)));
  assert.ok(!matches({ claim: { tier: 'gold' } }, subject(anonymousViewer('mobile'))));
  assert.ok(matches({ scope: 'customers:read' }, subject(user('u-2', { scopes: new Set(['customers:read']) }))));
  const ios = { 'apollographql-client-name': 'shop-ios', 'apollographql-client-version': '3.10.2' };
  assert.ok(matches({ client: { name: 'shop-ios', minVersion: '3.9' } }, subject(gold, ios)));
  assert.ok(!matches({ client: { belowVersion: '3.10' } }, subject(gold, ios)));
  assert.ok(matches({ client: { name: ['shop-android'] } }, subject(gold, { 'x-app-name': 'shop-android' })));
  assert.ok(matches({ header: { 'x-app-platform': 'ios' } }, subject(gold, { 'x-app-platform': 'ios' })));
  assert.ok(!matches({ viewer: 'anonymous' }, subject(gold)));
  const [e] = parseRoutingRules(
    JSON.stringify({
      experiments: [
        {
          name: 'e',
          variants: [
            { name: 'a', weight: 100 },
            { name: 'b', weight: 0 },
          ],
          segments: [{ when: { claim: { tier: 'gold' } }, variant: 'b' }],
        },
      ],
    }),
    'test',
  ).experiments;
  assert.deepEqual(assignVariant(e!, subject(gold), 'user:u-1'), { variant: 'b', reason: 'segment' });
  assert.deepEqual(assignVariant(e!, subject(user('u-3')), 'user:u-3'), { variant: 'a', reason: 'split' });
});

test('an invalid rules file is refused with every problem named', () => {
  const refused = (rules: unknown) => assert.throws(() => parseRoutingRules(JSON.stringify(rules), 'rules.json'), TypeError);
  assert.throws(() => parseRoutingRules('{', 'rules.json'), /rules\.json: not JSON/);
  refused({ experiments: [{ name: 'e', variants: [] }] });
  refused({ experiments: [{ name: 'e', variants: [{ name: 'a', weight: 0 }] }] });
  refused({ experiments: [{ name: 'e', variants: [{ name: 'a', weight: 1, address: 'http://x' }] }] });
  refused({ experiments: [{ name: 'e', backend: 'catalog', variants: [{ name: 'a', weight: 1 }], canary: { variant: 'a' } }] });
  refused({ experiments: [{ name: 'e', variants: [{ name: 'a', weight: 1 }], typo: true }] });
  refused({
    experiments: [
      { name: 'e', backend: 'catalog', variants: [{ name: 'a', weight: 1 }] },
      { name: 'f', backend: 'catalog', variants: [{ name: 'a', weight: 1 }] },
    ],
  });
  assert.throws(
    () =>
      parseRoutingRules(
        JSON.stringify({ experiments: [{ name: 'e', variants: [{ name: 'a', weight: 1 }], segments: [{ when: {}, variant: 'zz' }] }] }),
        'r.json',
      ),
    /segment names unknown variant "zz"/,
  );
});

test('the canary is rolled back on errors or latency past the thresholds, and only once it has enough calls', () => {
  const settings = { windowSeconds: 60, minCalls: 10, maxErrorRateIncrease: 0.05, maxLatencyRatio: 2, latencySlackMs: 50 };
  const rollbacks: string[] = [];
  const errors = new CanaryMonitor('catalog', 'v1', 'v2', settings, (v) => rollbacks.push(v.reason!));
  const now = 1_000_000;
  for (let i = 0; i < 50; i++) errors.observe('v1', 5, false, now);
  for (let i = 0; i < 9; i++) errors.observe('v2', 5, true, now);
  assert.equal(errors.state.state, 'serving', 'not judged before minCalls');
  errors.observe('v2', 5, true, now);
  assert.equal(errors.state.state, 'rolled_back');
  assert.match(rollbacks[0]!, /error rate 100\.0 % vs baseline 0\.0 %/);

  const slow = new CanaryMonitor('catalog', 'v1', 'v2', settings, (v) => rollbacks.push(v.reason!));
  for (let i = 0; i < 20; i++) slow.observe('v1', 10, false, now);
  for (let i = 0; i < 20; i++) slow.observe('v2', 60, false, now);
  assert.equal(slow.state.state, 'serving', '60 ms is within 10 × 2 + 50');
  for (let i = 0; i < 40; i++) slow.observe('v2', 400, false, now);
  assert.equal(slow.state.state, 'rolled_back');
  assert.match(rollbacks[1]!, /mean latency/);

  // Calls older than the window no longer count.
  const old = new CanaryMonitor('catalog', 'v1', 'v2', settings, () => {});
  for (let i = 0; i < 9; i++) old.observe('v2', 5, true, now);
  old.observe('v2', 5, true, now + 61_000);
  assert.equal(old.state.state, 'serving');
});

// The router with a real rules file, real backend clients (never called here) and a captured log.
const dir = mkdtempSync(join(tmpdir(), 'routing-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lines: Record<string, unknown>[] = [];
const waiters: Array<() => void> = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      for (const w of waiters.splice(0)) w();
      done();
    },
  }),
);
const logged = async (match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
  // The router's watcher and timers do not keep a process alive (a server does): this handle does, while waiting.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    for (;;) {
      const found = lines.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  } finally {
    clearInterval(keepAlive);
  }
};
const config = loadConfig(mobileProfile, { NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const rulesV1 = {
  staff: [{ scope: 'customers:read' }],
  experiments: [
    {
      name: 'catalog-v2',
      backend: 'catalog',
      variants: [
        { name: 'v1', weight: 100 },
        { name: 'v2', weight: 0, address: 'http://127.0.0.1:1' },
      ],
    },
  ],
};

test('override header: refused for customers and anonymous callers, honoured for staff and a test key', async () => {
  const file = join(dir, 'override.json');
  writeFileSync(file, JSON.stringify(rulesV1));
  const backends = createBackends(config);
  const router = createRouter({
    bff: 'mobile',
    rulesFile: file,
    testKeys: ['a-test-key-of-16-chars'],
    backends,
    config,
    log,
    watch: false,
    sighup: false,
  });
  try {
    const headers = { 'x-bff-variant': 'catalog-v2=v2' };
    for (const viewer of [user('u-00007'), anonymousViewer('mobile')]) {
      const refused = router.route({ viewer, headers });
      assert.ok(refused instanceof BffError);
      assert.equal(refused.code, 'FORBIDDEN');
      assert.equal(refused.reason, 'variant_override_not_allowed');
    }
    const wrongKey = router.route({ viewer: anonymousViewer('mobile'), headers: { ...headers, 'x-bff-test-key': 'not-the-key-at-all' } });
    assert.ok(wrongKey instanceof BffError);
    const staff = router.route({ viewer: user('u-00001', { scopes: new Set(['customers:read']) }), headers }) as RouteDecision;
    assert.deepEqual(staff.assignments, { 'catalog-v2': 'v2' });
    assert.deepEqual(staff.reasons, { 'catalog-v2': 'override' });
    assert.notEqual(staff.backends.catalog, backends.catalog, 'v2 calls another instance');
    assert.equal(staff.backends.users, backends.users, 'other backends are the same clients');
    const keyed = router.route({
      viewer: anonymousViewer('mobile'),
      headers: { ...headers, 'x-bff-test-key': 'a-test-key-of-16-chars' },
    }) as RouteDecision;
    assert.equal(keyed.assignments['catalog-v2'], 'v2');
    const unknown = router.route({
      viewer: user('u-00001', { scopes: new Set(['customers:read']) }),
      headers: { 'x-bff-variant': 'catalog-v2=v9' },
    });
    assert.ok(unknown instanceof BffError && unknown.code === 'BAD_REQUEST' && unknown.reason === 'unknown_variant');
    const plain = router.route({ viewer: user('u-00007'), headers: {} }) as RouteDecision;
    assert.deepEqual(plain.assignments, { 'catalog-v2': 'v1' });
    assert.equal(plain.backends, backends, 'the baseline is the process clients themselves');
  } finally {
    await router.close();
    await backends.close();
  }
});

test('rules reload on SIGHUP and on a file change; an invalid file is logged and the last good rules stay', async () => {
  const file = join(dir, 'reload.json');
  writeFileSync(file, JSON.stringify(rulesV1));
  const backends = createBackends(config);
  const sighupRouter = createRouter({ bff: 'mobile', rulesFile: file, backends, config, log, watch: false });
  try {
    const variantOf = () => (sighupRouter.route({ viewer: user('u-00042'), headers: {} }) as RouteDecision).assignments['catalog-v2'];
    assert.equal(variantOf(), 'v1');
    const everyoneOnV2 = structuredClone(rulesV1);
    everyoneOnV2.experiments[0]!.variants[0]!.weight = 0;
    everyoneOnV2.experiments[0]!.variants[1]!.weight = 100;
    writeFileSync(file, JSON.stringify(everyoneOnV2));
    assert.equal(variantOf(), 'v1', 'nothing changes before the signal (the watcher is off here)');
    const reloaded = logged((l) => l.msg === 'routing rules reloaded' && l.trigger === 'sighup');
    process.kill(process.pid, 'SIGHUP');
    await reloaded;
    assert.equal(variantOf(), 'v2');

    writeFileSync(file, '{"experiments": [{"name": "catalog-v2", "variants": []}]}');
    const refused = logged((l) => typeof l.msg === 'string' && l.msg.startsWith('routing rules not reloaded') && l.trigger === 'sighup');
    process.kill(process.pid, 'SIGHUP');
    const line = await refused;
    assert.equal(line.level, 50);
    assert.match(String((line.err as { message: string }).message), /experiments\.0\.variants/);
    assert.equal(variantOf(), 'v2', 'the last good rules stay in force');
  } finally {
    await sighupRouter.close();
  }

  // The watcher: a changed file is picked up without a signal.
  writeFileSync(file, JSON.stringify(rulesV1));
  const watching = createRouter({ bff: 'mobile', rulesFile: file, backends, config, log, sighup: false });
  try {
    assert.equal((watching.route({ viewer: user('u-00042'), headers: {} }) as RouteDecision).assignments['catalog-v2'], 'v1');
    const picked = logged((l) => l.msg === 'routing rules reloaded' && l.trigger === 'file');
    const everyoneOnV2 = structuredClone(rulesV1);
    everyoneOnV2.experiments[0]!.variants[0]!.weight = 0;
    everyoneOnV2.experiments[0]!.variants[1]!.weight = 100;
    writeFileSync(file, JSON.stringify(everyoneOnV2));
    await picked;
    assert.equal((watching.route({ viewer: user('u-00042'), headers: {} }) as RouteDecision).assignments['catalog-v2'], 'v2');
  } finally {
    await watching.close();
    await backends.close();
  }
  // The process has no SIGHUP listener of ours left (the default would end it).
  assert.equal(process.listenerCount('SIGHUP'), 0);
});

test('the example rules (npm start) and the Kubernetes ConfigMap validate and say the same thing', async () => {
  const { readFileSync } = await import('node:fs');
  const { load } = await import('js-yaml');
  const example = parseRoutingRules(readFileSync('routing-rules.json', 'utf8'), 'routing-rules.json');
  const configMap = load(readFileSync('deploy/k8s/routing.yaml', 'utf8')) as { data: Record<string, string> };
  const deployed = parseRoutingRules(configMap.data['routing-rules.json']!, 'deploy/k8s/routing.yaml');
  const [catalog, featured] = example.experiments;
  assert.deepEqual(
    catalog!.variants.map((v) => [v.name, v.weight]),
    [
      ['v1', 90],
      ['v2', 10],
    ],
  );
  assert.equal(catalog!.canary?.variant, 'v2');
  assert.deepEqual(featured!.bffs, ['mobile']);
  // The same rules, but v2's address is the Service's, not 127.0.0.1's.
  const addresses = (rules: typeof example) => rules.experiments.flatMap((e) => e.variants.map((v) => v.address));
  assert.deepEqual(addresses(deployed), [undefined, 'http://backends:5009', undefined, undefined]);
  assert.deepEqual(addresses(example), [undefined, 'http://127.0.0.1:5009', undefined, undefined]);
  const strip = (rules: typeof example) => JSON.stringify(rules, (k, v) => (k === 'address' ? undefined : v));
  assert.equal(strip(deployed), strip(example));
});
