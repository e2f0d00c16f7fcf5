import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Viewer } from '../auth/Viewer.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { Logger } from '../observability/createLogger.js';
import type { RateLimitDecision, RateLimitName } from '../observability/RequestOutcome.js';
import type { RedisClient } from '../redis/createRedisClient.js';
import type { RateLimitSettings } from '../traffic/loadTrafficSettings.js';

export interface RateLimiterOptions {
  limits: BffConfig['rateLimit'];
  /** Cost weighting, per-operation budgets, usage plans, refusals, replicas; default: none of them. */
  settings?: RateLimitSettings;
  /** Counts in this Redis, shared by every replica; default: in this process's memory. */
  redis?: RedisClient;
  /** Prefix of every counter's key; replicas of one BFF share it, different BFFs do not. */
  keyPrefix: string;
  log: Logger;
  /** The clock (ms since the epoch) that names quota periods; default Date.now. */
  now?: () => number;
}

/** One limit's state after a request, as the IETF `RateLimit-Policy` / `RateLimit` headers say it. */
export interface PolicyState {
  /** The policy's name in the headers: `anonymous`, `user`, `plan-partner`, `quota-partner`, `op-OrdersTable`, … */
  policy: string;
  /** Points per window. */
  quota: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface CallerDecision extends RateLimitDecision {
  /** The key the caller is counted under: `key:<client>`, `user:<id>` or `ip:<address>`. */
  caller: string;
  /** Every limit counted, for the response headers. */
  policies: PolicyState[];
}

export interface RateLimiter {
  /** Counts one request of the caller (one point) against its limit (API key plan, user or client IP), its plan's burst and quota. */
  admitRequest(viewer: Viewer, ip: string): Promise<CallerDecision>;
  /** Counts one mutation of `caller` against the (stricter) mutation limit. */
  admitMutation(caller: string): Promise<RateLimitDecision>;
  /**
   * Counts the rest of an operation's weight once its cost is estimated: max(1, ⌈cost / costPerPoint⌉)
   * points in all, the one of `admitRequest` included, and its points against the operation's own budget.
   * @returns undefined when there was nothing more to count (a one-point operation without a budget).
   */
  admitCost(viewer: Viewer, ip: string, cost: number, operationName: string | undefined): Promise<CallerDecision | undefined>;
  /** Counts a refused authentication or operation-limit refusal against `ip`. */
  countRefusal(ip: string): Promise<void>;
  /** @returns seconds to wait when `ip` caused too many refusals lately (answer 429 before authenticating), else 0. */
  refusingFor(ip: string): number;
  /** Adds the limiter's own metrics (insurance use) to the BFF's registry. */
  register(registry: Registry): void;
}

interface Limit {
  readonly policy: string;
  readonly quota: number;
  readonly windowSeconds: number;
  /** @returns the state after counting `points` for `key`; `allowed` false when that went over. */
  consume(key: string, points: number): Promise<PolicyState & { allowed: boolean }>;
}

/**
 * Per-client request limits in fixed windows, with rate-limiter-flexible: one limiter per limit
 * (anonymous IP, user, each API-key plan and its burst and quota, mutations, each operation's
 * budget, refusals per IP). A request is weighed by its estimated cost, so a 100-order dashboard
 * counts what it weighs. With Redis the counters are shared by all replicas (one atomic Lua
 * script per counter); while Redis is unreachable each replica counts alone in memory with the
 * limit divided by the replica count (RATE_LIMIT_REPLICAS), so the fleet still allows about the
 * configured rate, not that rate times the replicas — logged once per outage and counted in
 * `bff_rate_limit_insurance_total`.
 *
 * @returns the limiter; its methods never throw: a store failure lets the request through
 * (logged), since refusing every caller would turn a Redis outage into ours.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limits, redis, keyPrefix, log } = options;
  const settings: RateLimitSettings = options.settings ?? {
    replicas: 1,
    costPerPoint: 1,
    refusals: Number.MAX_SAFE_INTEGER,
    operations: {},
    plans: {},
  };
  const now = options.now ?? Date.now;
  let insuranceUsed = 0;
  let storeDown = false;

  const make = (policy: string, quota: number, windowSeconds = limits.windowSeconds): Limit => {
    const common = { points: quota, duration: windowSeconds, keyPrefix: `${keyPrefix}:${policy}` };
    const shared: RateLimiterAbstract = redis
      ? new RateLimiterRedis({ ...common, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true })
      : new RateLimiterMemory(common);
    // Without a shared store each replica already counts alone: only the insurance divides.
    const insurance = redis ? new RateLimiterMemory({ ...common, points: Math.max(1, Math.floor(quota / settings.replicas)) }) : undefined;
    const stateOf = (res: RateLimiterRes, points: number, allowed: boolean) => ({
      policy,
      quota: points,
      windowSeconds,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: secondsOf(res),
      allowed,
    });
    const consumeIn = async (limiter: RateLimiterAbstract, points: number, key: string, n: number) => {
      try {
        return stateOf(await limiter.consume(key, n), points, true);
      } catch (error) {
        // rate-limiter-flexible rejects with the RateLimiterRes when the limit is spent.
        if (error instanceof RateLimiterRes) return stateOf(error, points, false);
        throw error;
      }
    };
    return {
      policy,
      quota,
      windowSeconds,
      async consume(key, n) {
        try {
          const state = await consumeIn(shared, quota, key, n);
          if (storeDown) log.info({ limit: policy }, 'rate limiter store back; counting in Redis again');
          storeDown = false;
          return state;
        } catch (error) {
          if (!insurance) {
            log.warn({ err: error, limit: policy }, 'rate limiter store failed; request let through');
            return { policy, quota, windowSeconds, remaining: 0, resetSeconds: 0, allowed: true };
          }
          if (!storeDown)
            log.warn(
              { err: error, limit: policy, replicas: settings.replicas },
              'rate limiter store unavailable; counting in memory at limit / replicas',
            );
          storeDown = true;
          insuranceUsed++;
          return consumeIn(insurance, insurance.points, key, n);
        }
      },
    };
  };

  const anonymous = make('anonymous', limits.anonymous);
  const user = make('user', limits.user);
  const mutation = make('mutation', limits.mutations);
  const refusals = make('refusals', settings.refusals);
  const plans = new Map(Object.entries(limits.plans).map(([plan, points]) => [plan, make(`plan-${plan}`, points)]));
  const bursts = new Map<string, Limit>();
  const quotas = new Map<string, Limit>();
  for (const [plan, spec] of Object.entries(settings.plans)) {
    if (spec.burst !== undefined) bursts.set(plan, make(`burst-${plan}`, spec.burst, 1));
    // A calendar period names the key (below); the window only has to outlast the period.
    if (spec.quota !== undefined) quotas.set(plan, make(`quota-${plan}`, spec.quota, spec.period === 'day' ? 86_400 + 3_600 : 32 * 86_400));
  }
  const operations = new Map(Object.entries(settings.operations).map(([name, points]) => [name, make(`op-${name}`, points)]));
  const blocked = new LRUCache<string, number>({ max: 10_000 });

  /** The key of `caller`'s quota in the current UTC day or month, so quotas reset with the calendar. */
  const periodKey = (caller: string, plan: string): string => {
    const date = new Date(now()).toISOString();
    return `${caller}:${settings.plans[plan]!.period === 'day' ? date.slice(0, 10) : date.slice(0, 7)}`;
  };
  /** The limits counted for a caller's requests, with the key each counts under. */
  const limitsOf = (decision: { caller: string; plan: string | undefined; name: RateLimitName }): [Limit, string][] => {
    const { caller, plan } = decision;
    if (plan === undefined) return [[decision.name === 'user' ? user : anonymous, caller]];
    const counted: [Limit, string][] = [[plans.get(plan) ?? user, caller]];
    const burst = bursts.get(plan);
    if (burst) counted.push([burst, caller]);
    const quota = quotas.get(plan);
    if (quota) counted.push([quota, periodKey(caller, plan)]);
    return counted;
  };
  const callerOf = (viewer: Viewer, ip: string): { caller: string; plan: string | undefined; name: RateLimitName } => {
    // Machine clients (API keys, client-credentials tokens) count per client against their plan.
    if (viewer.kind === 'apiKey' || viewer.kind === 'client') return { caller: `key:${viewer.client}`, plan: viewer.plan, name: 'apiKey' };
    if (viewer.kind === 'user') return { caller: `user:${viewer.userId}`, plan: undefined, name: 'user' };
    return { caller: `ip:${ip}`, plan: undefined, name: 'anonymous' };
  };
  /** Counts `points` in every limit, in order, and stops at the first refusal. */
  const countAll = async (counted: [Limit, string][], points: number): Promise<{ allowed: boolean; policies: PolicyState[] }> => {
    const policies: PolicyState[] = [];
    for (const [limit, key] of counted) {
      const { allowed, ...state } = await limit.consume(key, points);
      policies.push(state);
      if (!allowed) return { allowed, policies };
    }
    return { allowed: true, policies };
  };
  const decisionOf = (name: RateLimitName, caller: string, allowed: boolean, policies: PolicyState[]): CallerDecision => {
    const last = policies[policies.length - 1]!;
    const remaining = Math.min(...policies.map((p) => p.remaining));
    return { limit: name, caller, allowed, remaining, retryAfterSeconds: Math.max(1, last.resetSeconds), policies };
  };

  return {
    async admitRequest(viewer, ip) {
      const who = callerOf(viewer, ip);
      const { allowed, policies } = await countAll(limitsOf(who), 1);
      return decisionOf(who.name, who.caller, allowed, policies);
    },
    async admitMutation(caller) {
      const { allowed, ...state } = await mutation.consume(caller, 1);
      return { limit: 'mutation', allowed, remaining: state.remaining, retryAfterSeconds: Math.max(1, state.resetSeconds) };
    },
    async admitCost(viewer, ip, cost, operationName) {
      const points = Math.max(1, Math.ceil(cost / settings.costPerPoint));
      const who = callerOf(viewer, ip);
      const budget = operationName !== undefined ? operations.get(operationName) : undefined;
      if (points === 1 && !budget) return undefined;
      // The request's first point was counted by admitRequest.
      const weighed = points > 1 ? await countAll(limitsOf(who), points - 1) : { allowed: true, policies: [] };
      if (!weighed.allowed) return decisionOf('cost', who.caller, false, weighed.policies);
      if (!budget) return decisionOf('cost', who.caller, true, weighed.policies);
      const own = await countAll([[budget, who.caller]], points);
      return decisionOf(own.allowed ? 'cost' : 'operation', who.caller, own.allowed, [...weighed.policies, ...own.policies]);
    },
    async countRefusal(ip) {
      const { allowed, remaining, resetSeconds } = await refusals.consume(`ip:${ip}`, 1);
      // Spent with this one: the next request from the IP is refused before it is authenticated.
      if (!allowed || remaining === 0) blocked.set(ip, now() + resetSeconds * 1000);
    },
    refusingFor(ip) {
      const until = blocked.get(ip);
      if (until === undefined) return 0;
      const left = until - now();
      if (left > 0) return Math.max(1, Math.ceil(left / 1000));
      blocked.delete(ip);
      return 0;
    },
    register(registry) {
      new Counter({
        name: 'bff_rate_limit_insurance_total',
        help: "Rate-limit decisions taken in this process's memory (limit / replicas) because Redis was unavailable.",
        registers: [registry],
        collect() {
          this.reset();
          this.inc(insuranceUsed);
        },
      });
    },
  };
}

/** Whole seconds until the window resets, at least 1 (what `retry-after` may say). */
function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
