import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Viewer } from '../auth/Viewer.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { Logger } from '../observability/createLogger.js';
import type { RateLimitDecision, RateLimitName } from '../observability/RequestOutcome.js';
import type { RedisClient } from '../redis/createRedisClient.js';

export interface RateLimiterOptions {
  limits: BffConfig['rateLimit'];
  /** Counts in this Redis, shared by every replica; default: in this process's memory. */
  redis?: RedisClient;
  /** Prefix of every counter's key; replicas of one BFF share it, different BFFs do not. */
  keyPrefix: string;
  log: Logger;
}

export interface CallerDecision extends RateLimitDecision {
  /** The key the caller is counted under: `key:<client>`, `user:<id>` or `ip:<address>`. */
  caller: string;
}

export interface RateLimiter {
  /** Counts one request of the caller against its limit (API key plan, user or client IP). */
  admitRequest(viewer: Viewer, ip: string): Promise<CallerDecision>;
  /** Counts one mutation of `caller` against the (stricter) mutation limit. */
  admitMutation(caller: string): Promise<RateLimitDecision>;
}

/**
 * Per-client request limits in fixed windows, with rate-limiter-flexible: one limiter per
 * limit (anonymous IP, user, each API-key plan, mutations). With Redis the counters are
 * shared by all replicas (one atomic Lua script per request); a memory limiter stands in
 * while Redis is unreachable, so an outage of Redis neither blocks nor un-limits traffic.
 *
 * @returns the limiter; its methods never throw: a store failure with no stand-in lets the
 * request through (logged), since refusing every caller would turn a Redis outage into ours.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limits, redis, keyPrefix, log } = options;
  const make = (name: string, points: number): RateLimiterAbstract => {
    const common = { points, duration: limits.windowSeconds, keyPrefix: `${keyPrefix}:${name}` };
    if (!redis) return new RateLimiterMemory(common);
    return new RateLimiterRedis({
      ...common,
      storeClient: redis,
      // node-redis v4+ has another command API than ioredis; the package must be told.
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(common),
    });
  };
  const anonymous = make('anonymous', limits.anonymous);
  const user = make('user', limits.user);
  const mutation = make('mutation', limits.mutations);
  const plans = new Map(Object.entries(limits.plans).map(([plan, points]) => [plan, make(`plan-${plan}`, points)]));

  const consume = async (name: RateLimitName, limiter: RateLimiterAbstract, key: string): Promise<RateLimitDecision> => {
    try {
      const res = await limiter.consume(key);
      return { limit: name, allowed: true, remaining: res.remainingPoints, retryAfterSeconds: secondsOf(res) };
    } catch (error) {
      // rate-limiter-flexible rejects with the RateLimiterRes when the limit is spent, and
      // with an Error when the store failed.
      if (error instanceof RateLimiterRes) return { limit: name, allowed: false, remaining: 0, retryAfterSeconds: secondsOf(error) };
      log.warn({ err: error, limit: name }, 'rate limiter store failed; request let through');
      return { limit: name, allowed: true, remaining: 0, retryAfterSeconds: 0 };
    }
  };

  return {
    async admitRequest(viewer, ip) {
      // Machine clients (API keys, client-credentials tokens) count per client against their plan.
      if (viewer.kind === 'apiKey' || viewer.kind === 'client') {
        const caller = `key:${viewer.client}`;
        return { caller, ...(await consume('apiKey', plans.get(viewer.plan) ?? user, caller)) };
      }
      if (viewer.kind === 'user') {
        const caller = `user:${viewer.userId}`;
        return { caller, ...(await consume('user', user, caller)) };
      }
      const caller = `ip:${ip}`;
      return { caller, ...(await consume('anonymous', anonymous, caller)) };
    },
    admitMutation(caller) {
      return consume('mutation', mutation, caller);
    },
  };
}

/** Whole seconds until the window resets, at least 1 (what `retry-after` may say). */
function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
