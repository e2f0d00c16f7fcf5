import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdmission } from '../../src/traffic/createAdmission.js';
import { createGradientLimit } from '../../src/traffic/createGradientLimit.js';
import { createOperationClassifier } from '../../src/traffic/createOperationClassifier.js';
import { loadTrafficSettings } from '../../src/traffic/loadTrafficSettings.js';
import { createHash } from 'node:crypto';

// The limit and the admission are pure bookkeeping: driven here by numbers, with no clock.

/** Feeds `n` samples of `rttMs`, each admitted with `inFlight` requests in flight. */
function feed(limit: ReturnType<typeof createGradientLimit>, n: number, rttMs: number, inFlight: number): void {
  for (let i = 0; i < n; i++) limit.addSample(rttMs, inFlight);
}

test('the gradient limit grows while latency holds, shrinks when it rises, and stays in its bounds', () => {
  const limit = createGradientLimit({ initial: 20, min: 5, max: 200 });
  feed(limit, 200, 10, 1_000);
  const grown = limit.limit;
  assert.ok(grown > 20, `steady latency under full use grows the limit (got ${grown})`);
  feed(limit, 200, 100, 1_000);
  const shrunk = limit.limit;
  assert.ok(shrunk < grown, `ten times the latency shrinks it (${grown} -> ${shrunk})`);
  feed(limit, 2_000, 1_000, 1_000);
  assert.ok(limit.limit >= 5, 'never below min');
  feed(limit, 20_000, 1, 1_000);
  assert.equal(limit.limit, 200, 'never above max');
});

test('the gradient limit does not grow while the server is mostly idle (app-limited)', () => {
  const limit = createGradientLimit({ initial: 40, min: 5, max: 200 });
  feed(limit, 500, 10, 3);
  assert.equal(limit.limit, 40);
});

test('while the process says it is saturated the limit does not grow; it shrinks a tenth per backOff (per measurement), not per update', () => {
  let saturated = false;
  const limit = createGradientLimit({ initial: 40, min: 5, max: 200, saturated: () => saturated });
  feed(limit, 100, 10, 1_000);
  const grown = limit.limit;
  assert.ok(grown > 40, `steady latency, not saturated: grows (got ${grown})`);
  saturated = true;
  // A thousand requests inside one measurement of the event loop: the rate of requests does not
  // set how fast the limit shrinks (one tenth per update did: at 10 000/s, to the floor in 30 ms).
  feed(limit, 1_000, 10, 1_000);
  assert.equal(limit.limit, grown, 'saturated: no growth, and no shrinking without a measurement');
  limit.backOff();
  assert.ok(limit.limit < grown && limit.limit >= Math.floor(grown * 0.9), `one backOff: a tenth off (${grown} -> ${limit.limit})`);
  for (let i = 0; i < 100; i++) limit.backOff();
  assert.equal(limit.limit, 5, 'never below min');
  saturated = false;
  feed(limit, 100, 10, 1_000);
  assert.ok(limit.limit > 5, `no longer saturated: grows again (got ${limit.limit})`);
});

/** Feeds `n` samples, kinds and latencies taken in turn from `mix` ([kind, rttMs] pairs). */
function feedMix(limit: ReturnType<typeof createGradientLimit>, n: number, mix: [number, number][], inFlight: number): void {
  for (let i = 0; i < n; i++) {
    const [kind, rttMs] = mix[i % mix.length]!;
    limit.addSample(rttMs, inFlight, kind);
  }
}

test('a change in the mix of kinds is not queueing: each kind is compared with its own norm', () => {
  // Critical answers (kind 0) take 50 ms, sheddable ones (kind 4) 2 ms. Half and half, then
  // sheddable ones refused: nine critical in ten. One norm for all sees the window slow down
  // from 26 to 45 ms and shrinks; per kind, nothing is slower than usual.
  const byKind = createGradientLimit({ initial: 40, min: 5, max: 200 });
  const oneNorm = createGradientLimit({ initial: 40, min: 5, max: 200 });
  const half: [number, number][] = [
    [0, 50],
    [4, 2],
  ];
  const mostlyCritical: [number, number][] = [...Array.from({ length: 9 }, (): [number, number] => [0, 50]), [4, 2]];
  // The same samples to both; the one-norm twin sees every sample as one kind.
  const feedBoth = (n: number, mix: [number, number][]): void => {
    feedMix(byKind, n, mix, 1_000);
    feedMix(
      oneNorm,
      n,
      mix.map(([, rtt]) => [0, rtt]),
      1_000,
    );
  };
  feedBoth(3_000, half);
  const [a, b] = [byKind.limit, oneNorm.limit];
  feedBoth(100, mostlyCritical);
  assert.ok(byKind.limit >= a, `per kind, the limit holds (${a} -> ${byKind.limit})`);
  assert.ok(oneNorm.limit < b, `with one norm it shrinks (${b} -> ${oneNorm.limit})`);
  // Every kind slower than its norm is queueing, whatever the mix.
  feedMix(
    byKind,
    100,
    mostlyCritical.map(([kind, rtt]) => [kind, rtt * 4]),
    1_000,
  );
  assert.ok(byKind.limit < a, `four times slower shrinks it (${a} -> ${byKind.limit})`);
});

test('degraded answers do not teach whole ones their norm: the limit holds when pressure eases', () => {
  // Whole answers (kind 4) at 10 ms; under pressure degraded ones (kind 5) at 2 ms for a while;
  // then whole ones again at their usual 10 ms.
  const limit = createGradientLimit({ initial: 40, min: 5, max: 200 });
  const oneNorm = createGradientLimit({ initial: 40, min: 5, max: 200 });
  for (const [l, degradedKind] of [
    [limit, 5],
    [oneNorm, 4],
  ] as const) {
    feedMix(l, 3_000, [[4, 10]], 1_000);
    feedMix(l, 3_000, [[degradedKind, 2]], 1_000);
  }
  const [a, b] = [limit.limit, oneNorm.limit];
  feedMix(limit, 200, [[4, 10]], 1_000);
  feedMix(oneNorm, 200, [[4, 10]], 1_000);
  assert.ok(limit.limit >= a, `whole answers at their usual latency do not shrink it (${a} -> ${limit.limit})`);
  assert.ok(oneNorm.limit < b / 2, `taught by degraded answers, one norm shrinks it (${b} -> ${oneNorm.limit})`);
  assert.throws(() => limit.addSample(1, 1, 8), RangeError);
});

test('by default fields degrade before whole requests are refused: pressure is on below the sheddable share', () => {
  const admission = createAdmission({ limit: { initial: 10, min: 10, max: 10 } });
  const permits = Array.from({ length: 6 }, () => admission.tryAcquire('sheddable')!);
  assert.equal(admission.pressure, true, 'on at 6 of 10 in flight');
  assert.ok(admission.tryAcquire('sheddable'), 'while a sheddable request is still admitted (its share is 7)');
  for (const p of permits) p.release(true);
});

test('TRAFFIC_LIMIT_MAX_ELU is a fraction of the event loop; unset, the limit follows latency only', () => {
  assert.equal(loadTrafficSettings({ TRAFFIC_LIMIT_MAX_ELU: '0.9' }).limit.maxUtilization, 0.9);
  assert.equal(loadTrafficSettings({}).limit.maxUtilization, undefined);
  assert.throws(() => loadTrafficSettings({ TRAFFIC_LIMIT_MAX_ELU: '1.5' }), /TRAFFIC_LIMIT_MAX_ELU/);
});

test('bad bounds fail fast with the values named', () => {
  assert.throws(() => createGradientLimit({ min: 10, max: 5 }), /min=10 max=5/);
  assert.throws(() => createGradientLimit({ initial: 1, min: 5, max: 10 }), /initial=1/);
  assert.throws(() => createAdmission({ limit: {}, shares: { sheddable: 0 } }), /share of sheddable/);
});

test('at the limit the lowest class is refused first and critical keeps the room above the others', () => {
  const admission = createAdmission({ limit: { initial: 10, min: 10, max: 10 }, shares: { normal: 0.8, sheddable: 0.5 } });
  const permits = [];
  for (let i = 0; i < 5; i++) permits.push(admission.tryAcquire('sheddable'));
  assert.ok(permits.every(Boolean));
  assert.equal(admission.tryAcquire('sheddable'), undefined, 'sheddable stops at half the limit');
  for (let i = 0; i < 3; i++) permits.push(admission.tryAcquire('normal'));
  assert.ok(permits.every(Boolean));
  assert.equal(admission.tryAcquire('normal'), undefined, 'normal stops at 0.8');
  permits.push(admission.tryAcquire('critical'), admission.tryAcquire('critical'));
  assert.ok(permits.every(Boolean));
  assert.equal(admission.tryAcquire('critical'), undefined, 'critical stops at the limit');
  assert.equal(admission.inFlight, 10);
  assert.equal(admission.inFlightOf('normal'), 3);
  permits[0]!.release(true);
  assert.ok(admission.tryAcquire('critical'), 'a released slot is free again');
});

test('reclassifying a claimed permit to a lower class refuses it when that class is full', () => {
  const admission = createAdmission({ limit: { initial: 4, min: 4, max: 4 }, shares: { normal: 1, sheddable: 0.5 } });
  const first = admission.tryAcquire('sheddable')!;
  const claimed = admission.tryAcquire('critical')!;
  assert.equal(claimed.reclassify('sheddable'), true, 'one sheddable in flight: its share (2) has room');
  const third = admission.tryAcquire('critical')!;
  assert.equal(third.reclassify('sheddable'), false, 'two sheddable already in flight');
  third.release(false);
  first.release(true);
  claimed.release(true);
  assert.equal(admission.inFlight, 0);
});

test('pressure turns on at its threshold and off only below the lower one (hysteresis)', () => {
  const admission = createAdmission({ limit: { initial: 10, min: 10, max: 10 }, pressureOn: 0.6, pressureOff: 0.3 });
  const permits = Array.from({ length: 6 }, () => admission.tryAcquire('critical')!);
  assert.equal(admission.pressure, true);
  for (const p of permits.splice(0, 3)) p.release(true);
  assert.equal(admission.pressure, true, 'still on at 3 in flight (0.3)');
  permits.pop()!.release(true);
  assert.equal(admission.pressure, false, 'off below 0.3');
});

test('classes belong to manifest documents: a hash or a document, never a bare name', () => {
  const place = 'mutation PlaceOrder { placeOrder { id } }';
  const browse = 'query Browse { products { id } }';
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const operations = new Map([
    [sha(place), place],
    [sha(browse), browse],
  ]);
  const classifier = createOperationClassifier({ operations, classes: { PlaceOrder: 'critical' } });
  assert.equal(classifier.classify({ query: place }), 'critical');
  assert.equal(classifier.classify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(place) } } }), 'critical');
  assert.equal(classifier.classify({ query: browse }), 'normal', 'a manifest operation not listed');
  assert.equal(
    classifier.classify({ query: 'mutation PlaceOrder { placeOrder { id __typename } }', operationName: 'PlaceOrder' }),
    'sheddable',
    'an ad-hoc document named like a critical one',
  );
  assert.equal(classifier.classify([{ query: place }]), 'sheddable');
  // Before the body: a GET is final, a POST's header is a claim.
  assert.deepEqual(classifier.hint('GET', { extensions: JSON.stringify({ persistedQuery: { sha256Hash: sha(place) } }) }, {}), {
    priority: 'critical',
    final: true,
  });
  assert.deepEqual(classifier.hint('POST', {}, { 'x-apollo-operation-name': 'PlaceOrder' }), { priority: 'critical', final: false });
  assert.equal(classifier.hint('POST', {}, {}), undefined);
  assert.throws(
    () => createOperationClassifier({ operations, classes: { PlaceOrdr: 'critical' } }),
    /no manifest operation named PlaceOrdr/,
  );
});
