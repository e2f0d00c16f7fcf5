import { createGradientLimit, type GradientLimit, type GradientLimitOptions } from './createGradientLimit.js';
import { PRIORITY_CLASSES, type PriorityClass } from './PriorityClass.js';

export interface AdmissionOptions {
  /** Bounds and tuning of the adaptive limit; `min === max` makes it a fixed cap. */
  limit: GradientLimitOptions;
  /**
   * The fraction of the limit each class may fill. A class is refused once that many requests
   * (of any class) are in flight, so the lowest class is refused first and the room above its
   * share is kept for the classes above it. Default critical 1, normal 0.9, sheddable 0.7.
   */
  shares?: Partial<Record<PriorityClass, number>>;
  /**
   * Pressure (what degrades `@criticality(level: LOW)` fields) turns on when requests in flight
   * reach this fraction of the limit and off when they fall below `pressureOff`: two thresholds,
   * so it does not flap on every request. Default 0.6 (below the sheddable share: fields are
   * left out before whole requests are refused), and 0.8 of it.
   */
  pressureOn?: number;
  pressureOff?: number;
}

/** A slot held by one admitted request; release it exactly once when its response closes. */
export interface Permit {
  readonly priority: PriorityClass;
  /**
   * Moves the request to the class its operation really has (learned once the body is read).
   * @returns false when that class would not have been admitted: the caller refuses the request
   * (and releases the permit, which then records no latency sample).
   */
  reclassify(priority: PriorityClass): boolean;
  /**
   * Frees the slot. `sample`: whether its latency feeds the limit — true for a request answered;
   * false for one abandoned or refused after admission. `degraded`: its answer left fields out,
   * so its latency is compared with other degraded answers' of its class, not whole ones'.
   */
  release(sample: boolean, degraded?: boolean): void;
}

export interface Admission {
  /** @returns a permit, or undefined when the request's class is over its share of the limit. */
  tryAcquire(priority: PriorityClass): Permit | undefined;
  /** Requests admitted and not yet released. */
  readonly inFlight: number;
  inFlightOf(priority: PriorityClass): number;
  /** The current concurrency limit. */
  readonly limit: number;
  /** The long-run average latency (ms) of all answered requests (the limit keeps one per kind too); 0 before any sample. */
  readonly baselineLatencyMs: number;
  /** Whether the process is under pressure (with hysteresis; see `pressureOn`). */
  readonly pressure: boolean;
  /** Shrinks the limit by a tenth: the caller measured the process saturated (GradientLimit.backOff). */
  backOff(): void;
}

/**
 * Pressure's default threshold (fraction of the limit in flight): below the default sheddable
 * share (0.7), so fields are left out before whole requests are refused. TRAFFIC_DEGRADE_AT.
 */
export const DEFAULT_DEGRADE_AT = 0.6;

/** The gradient limit's sample kind of each class's whole answers; +1 for its degraded ones. */
const KIND_OF: Record<PriorityClass, number> = { critical: 0, normal: 2, sheddable: 4 };

/**
 * Admission by priority under an adaptive concurrency limit (createGradientLimit): one counter
 * of requests in flight for the whole process, and a threshold per class at its share of the
 * current limit. Pure bookkeeping with no I/O and no timer; the clock is read only to time
 * admitted requests (`now`, default `performance.now`).
 *
 * @throws TypeError when a share or pressure threshold is outside (0, 1].
 */
export function createAdmission(options: AdmissionOptions, now: () => number = () => performance.now()): Admission {
  const gradient: GradientLimit = createGradientLimit(options.limit);
  const shares: Record<PriorityClass, number> = { critical: 1, normal: 0.9, sheddable: 0.7, ...options.shares };
  for (const priority of PRIORITY_CLASSES) {
    const share = shares[priority];
    if (!(share > 0 && share <= 1)) throw new TypeError(`createAdmission: share of ${priority} must be in (0, 1], got ${share}`);
  }
  const pressureOn = options.pressureOn ?? Math.min(DEFAULT_DEGRADE_AT, shares.sheddable);
  const pressureOff = options.pressureOff ?? pressureOn * 0.8;
  if (!(pressureOn > 0 && pressureOn <= 1 && pressureOff > 0 && pressureOff <= pressureOn)) {
    throw new TypeError(`createAdmission: need 0 < pressureOff <= pressureOn <= 1, got ${pressureOff} and ${pressureOn}`);
  }
  let inFlight = 0;
  const byClass: Record<PriorityClass, number> = { critical: 0, normal: 0, sheddable: 0 };
  let pressure = false;

  const thresholdOf = (priority: PriorityClass): number => Math.max(1, Math.floor(gradient.limit * shares[priority]));
  const updatePressure = (): void => {
    const used = inFlight / gradient.limit;
    if (!pressure && used >= pressureOn) pressure = true;
    else if (pressure && used < pressureOff) pressure = false;
  };

  return {
    tryAcquire(priority) {
      if (inFlight >= thresholdOf(priority)) {
        // A refusal is pressure by definition, whatever the fractions say.
        pressure = true;
        return undefined;
      }
      inFlight++;
      byClass[priority]++;
      updatePressure();
      const admittedAt = now();
      const inFlightAtStart = inFlight;
      let current = priority;
      let released = false;
      return {
        get priority() {
          return current;
        },
        reclassify(next) {
          if (next === current || released) return true;
          byClass[current]--;
          byClass[next]++;
          current = next;
          // Counted as if it had arrived as `next`: were the others (without it) at its threshold?
          return inFlight - 1 < thresholdOf(next);
        },
        release(sample, degraded = false) {
          if (released) return;
          released = true;
          inFlight--;
          byClass[current]--;
          // Each class, whole or degraded, is its own kind of sample (createGradientLimit).
          if (sample) gradient.addSample(now() - admittedAt, inFlightAtStart, KIND_OF[current] + (degraded ? 1 : 0));
          updatePressure();
        },
      };
    },
    get inFlight() {
      return inFlight;
    },
    inFlightOf(priority) {
      return byClass[priority];
    },
    get limit() {
      return gradient.limit;
    },
    get baselineLatencyMs() {
      return gradient.longRttMs;
    },
    get pressure() {
      return pressure;
    },
    backOff() {
      gradient.backOff();
    },
  };
}
