import { z } from 'zod';

/**
 * One typed configuration per BFF process, read from environment variables and validated
 * at start-up: a bad value stops the process with a message naming the variable.
 * Every setting, its variable and its default is listed in the README's table.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export type BffName = 'mobile' | 'web';

export interface BackendTarget {
  /** URL (REST, GraphQL) or host:port (gRPC). */
  address: string;
  timeoutMs: number;
}

export interface BffConfig {
  /** Which BFF this is; also the client name propagated to backends. */
  name: BffName;
  production: boolean;
  host: string;
  port: number;
  /** The whole request's budget: backend deadlines are capped by what is left of it. */
  requestTimeoutMs: number;
  backends: {
    users: BackendTarget;
    catalog: BackendTarget;
    orders: BackendTarget;
    inventory: BackendTarget;
    reviews: BackendTarget;
  };
  upstream: {
    retries: number;
    breakerThreshold: number;
    breakerHalfOpenMs: number;
    /** Calls one request may keep in flight per backend (p-limit). */
    concurrencyPerRequest: number;
    /** Keep-alive connections per REST/GraphQL backend. */
    connections: number;
  };
  /** Off only for the benchmark's naive mode: every entity becomes its own backend call. */
  batching: boolean;
  /** Emit `extensions.fanout` when a request asks with `x-bff-debug: fanout` (never in production). */
  fanoutDebug: boolean;
  /** Secret for signing the propagated identity; backends verify it. */
  identitySecret: string;
  auth: {
    jwksUrl: string | undefined;
    jwksFile: string | undefined;
    issuer: string;
    audience: string;
    algorithms: string[];
    clockToleranceSeconds: number;
    maxTokenBytes: number;
  };
  log: { level: string; pretty: boolean };
  redisUrl: string | undefined;
}

const DEV_IDENTITY_SECRET = 'dev-identity-secret-change-me';

function schemaFor(name: BffName) {
  const defaultPort = name === 'mobile' ? 4001 : 4002;
  return z
    .object({
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      BFF_HOST: z.string().min(1).default('127.0.0.1'),
      BFF_PORT: int(0, 65535).default(defaultPort),
      BFF_REQUEST_TIMEOUT_MS: int(100, 120_000).default(10_000),
      USERS_URL: z.url().default('http://127.0.0.1:5001'),
      CATALOG_URL: z.url().default('http://127.0.0.1:5002'),
      ORDERS_ADDR: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port').default('127.0.0.1:5003'),
      INVENTORY_ADDR: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port').default('127.0.0.1:5004'),
      REVIEWS_URL: z.url().default('http://127.0.0.1:5005/graphql'),
      UPSTREAM_TIMEOUT_MS: int(10, 60_000).default(2_000),
      UPSTREAM_RETRIES: int(0, 5).default(1),
      BREAKER_THRESHOLD: int(1, 1000).default(5),
      BREAKER_HALF_OPEN_MS: int(100, 600_000).default(5_000),
      UPSTREAM_CONCURRENCY: int(1, 256).default(8),
      UPSTREAM_CONNECTIONS: int(1, 1024).default(32),
      BFF_BATCHING: bool.default(true),
      BFF_FANOUT_DEBUG: bool.default(true),
      IDENTITY_HMAC_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
      JWKS_URL: z.url().optional(),
      JWKS_FILE: z.string().min(1).optional(),
      JWT_ISSUER: z.string().min(1).default('https://idp.demo.shop'),
      JWT_AUDIENCE: z.string().min(1).default('shop-bff'),
      JWT_ALGORITHMS: csv.pipe(z.array(z.enum(['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'])).min(1)).default(['ES256', 'RS256']),
      JWT_CLOCK_TOLERANCE_S: int(0, 300).default(30),
      JWT_MAX_BYTES: int(256, 65_536).default(4_096),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      LOG_PRETTY: bool.optional(),
      REDIS_URL: z.url().optional(),
    })
    .superRefine((env, ctx) => {
      if (env.NODE_ENV === 'production' && !env.IDENTITY_HMAC_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['IDENTITY_HMAC_SECRET'], message: 'is required in production' });
      }
    });
}

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * @returns the validated configuration of BFF `name` from `env`.
 * @throws ConfigError naming each bad variable and what is wrong with it.
 */
export function loadConfig(name: BffName, env: NodeJS.ProcessEnv = process.env): BffConfig {
  const parsed = schemaFor(name).safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const timeoutMs = e.UPSTREAM_TIMEOUT_MS;
  return {
    name,
    production,
    host: e.BFF_HOST,
    port: e.BFF_PORT,
    requestTimeoutMs: e.BFF_REQUEST_TIMEOUT_MS,
    backends: {
      users: { address: e.USERS_URL, timeoutMs },
      catalog: { address: e.CATALOG_URL, timeoutMs },
      orders: { address: e.ORDERS_ADDR, timeoutMs },
      inventory: { address: e.INVENTORY_ADDR, timeoutMs },
      reviews: { address: e.REVIEWS_URL, timeoutMs },
    },
    upstream: {
      retries: e.UPSTREAM_RETRIES,
      breakerThreshold: e.BREAKER_THRESHOLD,
      breakerHalfOpenMs: e.BREAKER_HALF_OPEN_MS,
      concurrencyPerRequest: e.UPSTREAM_CONCURRENCY,
      connections: e.UPSTREAM_CONNECTIONS,
    },
    batching: e.BFF_BATCHING,
    fanoutDebug: e.BFF_FANOUT_DEBUG && !production,
    identitySecret: e.IDENTITY_HMAC_SECRET ?? DEV_IDENTITY_SECRET,
    auth: {
      jwksUrl: e.JWKS_URL ?? (e.JWKS_FILE ? undefined : 'http://127.0.0.1:5006/.well-known/jwks.json'),
      jwksFile: e.JWKS_FILE,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      algorithms: e.JWT_ALGORITHMS,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_S,
      maxTokenBytes: e.JWT_MAX_BYTES,
    },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? (!production && process.stdout.isTTY === true) },
    redisUrl: e.REDIS_URL,
  };
}
