import { z } from 'zod';
import { isPriorityClass, type PriorityClass } from './PriorityClass.js';
import { DEFAULT_DEGRADE_AT } from './createAdmission.js';

/** Traffic control's settings (README, "Traffic control"; docs/configuration.md). */
export interface TrafficSettings {
  /** Priority classes on (default); off: every operation is one class (the old single cap). */
  priority: boolean;
  /** Classes by operation name from `TRAFFIC_CLASSES`, on top of the BFF's own (`bff-*\/trafficClasses.ts`). */
  classes: Record<string, PriorityClass>;
  /** The class of a manifest operation no list names. Default `normal`. */
  manifestClass: PriorityClass;
  /** The class of any other document (ad-hoc, APQ-registered). Default `sheddable`. */
  unknownClass: PriorityClass;
  /**
   * The adaptive concurrency limit's bounds; `max` 0 turns admission control off.
   * `maxUtilization`: while the event loop is busier than this (0..1, over 100 ms windows) the
   * limit does not grow and shrinks a tenth per window over it, whatever latency says (TRAFFIC_LIMIT_MAX_ELU; undefined: latency only).
   */
  limit: { initial: number; min: number; max: number; maxUtilization?: number };
  /** Fractions of the limit that normal and sheddable requests may fill (critical: all of it). */
  shares: { normal: number; sheddable: number };
  /** What `retry-after` says on 503 OVERLOADED. */
  retryAfterSeconds: number;
  /** `@criticality(level: LOW)` fields degrade under pressure (default); false: never (the bench's comparison). */
  degrade: boolean;
  /** The fraction of the limit in flight at which pressure (degradation) turns on; off below 0.8 of it. */
  degradeAt: number;
  /**
   * A critical request that finds the limit full waits up to `maxWaitMs` for the next free slot
   * (FIFO, at most `maxWaiting` at once) instead of being refused; 0 ms: refused at once.
   */
  criticalQueue: { maxWaitMs: number; maxWaiting: number };
  rateLimit: RateLimitSettings;
}

/** What the rate limiter needs beyond the per-caller limits of `BffConfig['rateLimit']`. */
export interface RateLimitSettings {
  /** Replicas of this BFF: with Redis down each counts alone, so each allows `limit / replicas`. */
  replicas: number;
  /** Estimated cost (estimateCost) that makes one point; a request counts max(1, ⌈cost / this⌉). */
  costPerPoint: number;
  /** Refused authentications and operation-limit refusals one IP may cause per window before its requests get 429. */
  refusals: number;
  /** Points per window per caller for single operations, by name (`OrdersTable: 100`). */
  operations: Readonly<Record<string, number>>;
  /** Usage plans of API keys beyond the rate in RATE_LIMIT_PLANS: a burst per second and a quota per day or month. */
  plans: Readonly<Record<string, UsagePlan>>;
}

export interface UsagePlan {
  /** Points per second (a short window under the plan's rate); undefined: no burst limit. */
  burst?: number;
  /** Points per `period`, counted in calendar days or months (UTC); undefined: no quota. */
  quota?: number;
  period: 'day' | 'month';
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const share = z.coerce.number().gt(0).max(1);
const priorityClass = z.enum(['critical', 'normal', 'sheddable']);

const schema = z.object({
  TRAFFIC_PRIORITY: bool.default(true),
  TRAFFIC_CLASSES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[_A-Za-z]\w*:(critical|normal|sheddable)$/, 'must be Operation:class, e.g. PlaceOrder:critical')))
    .default([]),
  TRAFFIC_MANIFEST_CLASS: priorityClass.default('normal'),
  TRAFFIC_UNKNOWN_CLASS: priorityClass.default('sheddable'),
  // The old static cap's variable is the limit's ceiling: a deployment that tuned it keeps its bound.
  SHED_MAX_IN_FLIGHT: int(0, 1_000_000).default(512),
  TRAFFIC_LIMIT_INITIAL: int(1, 1_000_000).optional(),
  TRAFFIC_LIMIT_MIN: int(1, 1_000_000).optional(),
  TRAFFIC_LIMIT_MAX_ELU: share.optional(),
  TRAFFIC_SHARE_NORMAL: share.default(0.9),
  TRAFFIC_SHARE_SHEDDABLE: share.default(0.7),
  TRAFFIC_RETRY_AFTER_S: int(1, 3_600).default(1),
  TRAFFIC_DEGRADE: bool.default(true),
  TRAFFIC_DEGRADE_AT: share.default(DEFAULT_DEGRADE_AT),
  TRAFFIC_CRITICAL_WAIT_MS: int(0, 60_000).default(2_000),
  TRAFFIC_CRITICAL_QUEUE: int(1, 100_000).default(256),
  RATE_LIMIT_REPLICAS: int(1, 1_000).default(1),
  RATE_LIMIT_COST_PER_POINT: int(1, 1_000_000).default(100),
  RATE_LIMIT_REFUSALS: int(1, 1_000_000).default(30),
  RATE_LIMIT_OPERATIONS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[_A-Za-z]\w*:\d+$/, 'must be Operation:points, e.g. OrdersTable:100')))
    .default([]),
  USAGE_PLANS: z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string().regex(/^[\w-]+$/),
        z.strictObject({
          burst: z.number().int().min(1).optional(),
          quota: z.number().int().min(1).optional(),
          period: z.enum(['day', 'month']).default('day'),
        }),
      ),
    )
    .default({}),
});

/**
 * @returns traffic control's settings from `env`.
 * @throws TypeError naming every bad variable (and the bounds, when min > initial > max).
 */
export function loadTrafficSettings(env: NodeJS.ProcessEnv): TrafficSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new TypeError(`Invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const e = parsed.data;
  const max = e.SHED_MAX_IN_FLIGHT;
  const min = e.TRAFFIC_LIMIT_MIN ?? Math.min(10, Math.max(max, 1));
  // Netflix's default start: low enough to find a CPU-bound process's limit within seconds, and it
  // grows by √limit per ten healthy samples where backends' latency needs more requests in flight.
  const initial = e.TRAFFIC_LIMIT_INITIAL ?? Math.max(min, Math.min(20, max));
  if (max > 0 && !(min <= initial && initial <= max)) {
    throw new TypeError(
      `Invalid configuration:\n  TRAFFIC_LIMIT_MIN (${min}) <= TRAFFIC_LIMIT_INITIAL (${initial}) <= SHED_MAX_IN_FLIGHT (${max}) does not hold`,
    );
  }
  const classes: Record<string, PriorityClass> = {};
  for (const entry of e.TRAFFIC_CLASSES) {
    const [name, priority] = entry.split(':') as [string, string];
    if (isPriorityClass(priority)) classes[name] = priority;
  }
  return {
    priority: e.TRAFFIC_PRIORITY,
    classes,
    manifestClass: e.TRAFFIC_MANIFEST_CLASS,
    unknownClass: e.TRAFFIC_UNKNOWN_CLASS,
    limit: { initial, min, max, ...(e.TRAFFIC_LIMIT_MAX_ELU !== undefined && { maxUtilization: e.TRAFFIC_LIMIT_MAX_ELU }) },
    shares: { normal: e.TRAFFIC_SHARE_NORMAL, sheddable: e.TRAFFIC_SHARE_SHEDDABLE },
    retryAfterSeconds: e.TRAFFIC_RETRY_AFTER_S,
    degrade: e.TRAFFIC_DEGRADE,
    degradeAt: e.TRAFFIC_DEGRADE_AT,
    criticalQueue: { maxWaitMs: e.TRAFFIC_CRITICAL_WAIT_MS, maxWaiting: e.TRAFFIC_CRITICAL_QUEUE },
    rateLimit: {
      replicas: e.RATE_LIMIT_REPLICAS,
      costPerPoint: e.RATE_LIMIT_COST_PER_POINT,
      refusals: e.RATE_LIMIT_REFUSALS,
      operations: Object.fromEntries(
        e.RATE_LIMIT_OPERATIONS.map((entry) => {
          const [name, points] = entry.split(':') as [string, string];
          return [name, Number(points)];
        }),
      ),
      plans: e.USAGE_PLANS,
    },
  };
}
