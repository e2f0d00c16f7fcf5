export interface GradientLimitOptions {
  /** The limit before any latency was measured. Default 100. */
  initial?: number;
  /** The limit never falls below this. Default 10. */
  min?: number;
  /** The limit never rises above this. Default 1000. */
  max?: number;
  /**
   * How much slower than the long-run latency the recent latency may be before the limit
   * shrinks (Netflix's `rttTolerance`). Default 1.5.
   */
  tolerance?: number;
  /** Weight of a new estimate against the current limit, 0..1. Default 0.2. */
  smoothing?: number;
  /** Samples averaged into one update: one slow request does not move the limit. Default 10. */
  windowSize?: number;
  /** Samples the long-run latency averages over (exponentially). Default 600. */
  longWindow?: number;
  /**
   * Whether the process is saturated now (its event loop busy beyond a bound). Checked at each
   * update: while it says so the limit does not grow, whatever latency says; the caller shrinks
   * it once per measurement of that bound (`backOff`). Latency alone cannot see it: in a
   * single-threaded server, requests that wait to be read and the work of refusing them are
   * outside every admitted request's time. Default: never.
   */
  saturated?: () => boolean;
}

export interface GradientLimit {
  /** Requests that may be in flight now (a whole number ≥ min). */
  readonly limit: number;
  /** The long-run latency (ms) of all samples together (each kind is compared with its own); 0 before any sample. */
  readonly longRttMs: number;
  /**
   * Records one finished request: `rttMs` it took, `inFlight` requests there were when it was
   * admitted (itself included), and its `kind` (0 to 7; default 0): requests of one kind are
   * compared only with that kind's own long-run latency (see createGradientLimit).
   */
  addSample(rttMs: number, inFlight: number, kind?: number): void;
  /** Shrinks the limit by a tenth (not below `min`): the caller measured saturation once (see `saturated`). */
  backOff(): void;
}

/** How many kinds of request `addSample` tells apart. */
export const SAMPLE_KINDS = 8;

/**
 * An adaptive concurrency limit after Netflix concurrency-limits' `Gradient2Limit`: the limit
 * follows the ratio of the long-run latency to the recent one. While recent requests are as fast
 * as usual (the ratio, times a tolerance, is ≥ 1) the limit grows by a small queue allowance
 * (√limit); when they get slower, requests are queueing somewhere (our event loop, a backend's
 * pool), and the limit shrinks in proportion, by at most half per update. It does not grow
 * while fewer than half the permits are used: an idle server has not shown it can carry more.
 *
 * Each kind of request (the caller's choice: admission uses its class, and whether the answer
 * left fields out) has a long-run latency of its own, and a window's ratio is the latency its
 * samples would have had at their kinds' norms over the latency they had. With one norm for all,
 * a change in the mix looks like queueing: once sheddable requests are refused, the window holds
 * more of the slower critical ones, the limit shrinks, more are refused — and degraded answers,
 * faster than whole ones, taught a norm that made every whole answer look slow once pressure
 * eased. Both drove the limit down in overload runs where nothing queued more.
 *
 * No npm package implements this for Node with upkeep (searched: `concurrency-limit*`,
 * `adaptive-*`; `@fastify/under-pressure` and `overload-protection` shed on event-loop delay
 * and heap, not latency), and the algorithm is twenty lines. It keeps no clock: samples are
 * grouped by count, so a test can drive it with numbers.
 *
 * @throws TypeError when the bounds are inconsistent (`min > max`, `initial` outside them).
 */
export function createGradientLimit(options: GradientLimitOptions = {}): GradientLimit {
  const min = options.min ?? 10;
  const max = options.max ?? 1000;
  const initial = options.initial ?? Math.min(100, max);
  const tolerance = options.tolerance ?? 1.5;
  const smoothing = options.smoothing ?? 0.2;
  const windowSize = options.windowSize ?? 10;
  const longWindow = options.longWindow ?? 600;
  const saturated = options.saturated;
  if (!(min >= 1 && min <= max)) throw new TypeError(`createGradientLimit: need 1 <= min <= max, got min=${min} max=${max}`);
  if (!(initial >= min && initial <= max)) throw new TypeError(`createGradientLimit: initial=${initial} is outside [${min}, ${max}]`);
  if (!(tolerance >= 1)) throw new TypeError(`createGradientLimit: tolerance must be >= 1, got ${tolerance}`);

  let estimate = initial;
  // Long-run latency per kind: a plain mean over its first windows (warm-up), then an
  // exponential average; and one over all samples, which is only reported (`longRttMs`).
  const longRtt = new Float64Array(SAMPLE_KINDS + 1);
  const longCount = new Uint32Array(SAMPLE_KINDS + 1);
  const ALL = SAMPLE_KINDS;
  const factor = 2 / (longWindow + 1);
  const warmup = 10;
  // The current window: its latency, what its samples would have taken at their kinds' norms,
  // and per kind (to teach each norm).
  let windowRtt = 0;
  let windowExpected = 0;
  let windowMaxInFlight = 0;
  let windowCount = 0;
  const kindRtt = new Float64Array(SAMPLE_KINDS);
  const kindCount = new Uint32Array(SAMPLE_KINDS);

  const learn = (kind: number, rtt: number): void => {
    const n = ++longCount[kind]!;
    let long = n <= warmup ? longRtt[kind]! + (rtt - longRtt[kind]!) / n : longRtt[kind]! * (1 - factor) + rtt * factor;
    // After a long overload the long-run average is itself inflated; let it fall faster once
    // latency is back to normal, or the limit would be stuck high for the next overload.
    if (long / rtt > 2) long *= 0.95;
    longRtt[kind] = long;
  };

  const update = (shortRtt: number, expectedRtt: number, inFlight: number): void => {
    learn(ALL, shortRtt);
    for (let kind = 0; kind < SAMPLE_KINDS; kind++) {
      if (kindCount[kind]! > 0) learn(kind, kindRtt[kind]! / kindCount[kind]!);
    }
    if (saturated?.()) return;
    if (inFlight < estimate / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (tolerance * expectedRtt) / shortRtt));
    const next = estimate * gradient + Math.sqrt(estimate);
    estimate = Math.max(min, Math.min(max, estimate * (1 - smoothing) + next * smoothing));
  };

  return {
    get limit() {
      return Math.floor(estimate);
    },
    get longRttMs() {
      return longRtt[ALL]!;
    },
    backOff() {
      estimate = Math.max(min, estimate * 0.9);
    },
    addSample(rttMs, inFlight, kind = 0) {
      if (!(Number.isInteger(kind) && kind >= 0 && kind < SAMPLE_KINDS))
        throw new RangeError(`addSample: kind ${kind} is not in 0..${SAMPLE_KINDS - 1}`);
      // A zero latency (a clock's resolution) would make the ratio infinite.
      const rtt = Math.max(rttMs, 0.01);
      windowRtt += rtt;
      // A kind with no norm yet is taken as at its norm.
      windowExpected += longCount[kind]! > 0 ? longRtt[kind]! : rtt;
      kindRtt[kind] = kindRtt[kind]! + rtt;
      kindCount[kind] = kindCount[kind]! + 1;
      windowMaxInFlight = Math.max(windowMaxInFlight, inFlight);
      if (++windowCount < windowSize) return;
      update(windowRtt / windowCount, windowExpected / windowCount, windowMaxInFlight);
      windowRtt = 0;
      windowExpected = 0;
      windowMaxInFlight = 0;
      windowCount = 0;
      kindRtt.fill(0);
      kindCount.fill(0);
    },
  };
}
