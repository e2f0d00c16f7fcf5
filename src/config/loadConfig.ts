import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadTrafficSettings, type TrafficSettings } from '../traffic/loadTrafficSettings.js';
import { parseApiKeys, type ApiKeyRecord } from '../auth/parseApiKeys.js';
import type { TokenHandlerSettings } from '../auth/tokenHandler/createTokenHandler.js';
import {
  BACKEND_NAMES,
  BACKENDS,
  backendAddress,
  checkBackendNames,
  timeoutSettingOf,
  type BackendDeclaration,
  type BackendName,
} from './backends.js';
import { BFF_NAME, type BffProfile } from './BffProfile.js';
import type { OutlierDetection } from '../datasources/grpc/outlierDetection.js';

/**
 * One typed configuration per BFF process, read from environment variables and validated
 * at start-up: a bad value stops the process with a message naming the variable.
 * Every setting, its variable and its default is listed in the README's table.
 */

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export interface BackendTarget {
  /** URL (REST, GraphQL) or host:port (gRPC). */
  address: string;
  timeoutMs: number;
}

export interface BffConfig {
  /** Which BFF this is (its profile's name); also the client name propagated to backends. */
  name: string;
  production: boolean;
  host: string;
  port: number;
  /**
   * The admin (ops) listener: `/healthz`, `/readyz` with its detail, `/dependencies` and
   * `/metrics` (src/server/createAdminApp.ts). For the cluster network only: never shed, rate
   * limited or authenticated. Port 0: an ephemeral one.
   */
  admin: { host: string; port: number };
  /** The whole request's budget: backend deadlines are capped by what is left of it. */
  requestTimeoutMs: number;
  /**
   * Where the backends this BFF uses are (its profile's `backends`, declared in
   * src/config/backends.ts): only those are configured, built and reported.
   */
  backends: { readonly [N in BackendName]?: BackendTarget };
  upstream: {
    retries: number;
    breakerThreshold: number;
    breakerHalfOpenMs: number;
    /** Calls one request may keep in flight per backend (p-limit). */
    concurrencyPerRequest: number;
    /** Keep-alive connections per REST/GraphQL backend. */
    connections: number;
    /** Per-endpoint ejection of a gRPC backend with several endpoints (src/datasources/grpc/outlierDetection.ts). */
    outlierDetection: OutlierDetection;
  };
  /** Off only for the benchmark's naive mode: every entity becomes its own backend call. */
  batching: boolean;
  /** Public backend reads (products, list pages, stock) cached and/or collapsed in process: src/cache, docs/performance.md. */
  cache: {
    mode: 'off' | 'memory';
    collapse: boolean;
    maxEntries: number;
    maxTtlMs: number;
    redis: boolean;
    redisTimeoutMs: number;
    leaseMs: number;
  };
  /**
   * How operations execute: `jit` compiles each distinct operation once with graphql-jit
   * (src/operation/execute.ts); `graphql-js` interprets it per request. Same data and
   * errors either way; docs/performance.md has the measured difference.
   */
  executor: 'jit' | 'graphql-js';
  /**
   * Serve the client's own queries (its operation manifest) without Apollo Server: prepared
   * and compiled once at start, then run through the same operation steps and answered
   * directly (src/operation/fastPath.ts). Anything else goes through Apollo. Only with the
   * `jit` executor.
   */
  fastPath: boolean;
  /** Emit `extensions.fanout` when a request asks with `x-bff-debug: fanout` (never in production). */
  fanoutDebug: boolean;
  /**
   * What a browser gets on `GET /graphql` (src/server/explorer/useExplorer.ts): `graphiql`, served
   * by the BFF itself from npm packages (works offline); `sandbox`, Apollo Sandbox (loads from
   * Apollo's CDN); `off`. Always `off` in production, where introspection is off too.
   */
  explorer: 'graphiql' | 'sandbox' | 'off';
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
    /** The remote key set: re-fetched on an unknown `kid` at most once per cooldown; kept at most cacheMaxAge. */
    jwks: { cooldownMs: number; cacheMaxAgeMs: number; timeoutMs: number };
    /** Partner and device keys (hashed), from API_KEYS or API_KEYS_FILE; none by default. */
    apiKeys: ApiKeyRecord[];
    /** Refuse access-token JWTs whose header `typ` is not `at+jwt` (RFC 9068); off by default. */
    requireAtJwt?: boolean;
    /** Verified JWTs kept by their text until `exp`, at most `maxAgeMs` (JWT_CACHE_*); absent or 0 entries: none. */
    verifiedTokens?: { maxEntries: number; maxAgeMs: number };
    /** Opaque access tokens, checked by RFC 7662 introspection (src/auth/createIntrospectingVerifier.ts); off without INTROSPECTION_URL. */
    introspection?: { url: string; clientId: string; clientSecret: string; cacheMaxSeconds: number; timeoutMs: number } | undefined;
  };
  /** The browser's OAuth token handler (src/auth/tokenHandler), used by the BFFs that turn it on (bff-web). */
  tokenHandler: TokenHandlerSettings;
  /** Refused before any resolver runs, with OPERATION_LIMIT_EXCEEDED and the limit as `reason` (docs/security.md). */
  operationLimits: {
    depth: number;
    aliases: number;
    rootFields: number;
    directivesPerField: number;
    /** How often one response name may repeat in one selection set (validation is quadratic in it). */
    repeatedFields: number;
    tokens: number;
    /** The estimated objects an operation may resolve (src/limits/estimateCost.ts). */
    cost: number;
  };
  /** The HTTP edge: body cap and the timeouts that shed slow or idle clients. */
  http: {
    bodyLimitBytes: number;
    /** Time to receive the request headers (slowloris). */
    headersTimeoutMs: number;
    /** Time to receive the whole request, headers and body. */
    receiveTimeoutMs: number;
    /** A connection with no traffic for this long is closed; longer than requestTimeoutMs. */
    idleTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  persistedQueries: {
    /** `off`, `log` or `enforce` the client's safelist (its operation manifest). */
    safelist: 'off' | 'log' | 'enforce';
    /** The manifest: SAFELIST_MANIFEST, else the one the BFF's profile names. */
    manifestFile: string;
    /** Automatic persisted queries: registrations in memory, or in Redis with REDIS_URL. */
    apq: boolean;
    apqTtlSeconds: number;
  };
  log: { level: string; pretty: boolean };
  redisUrl: string | undefined;
  /**
   * The message broker of queued writes and order events (src/messaging): `redis://…` for Redis
   * Streams, `http://…` for the embedded broker the demo backends host (the default), `memory:`
   * for one process only. Not part of readiness: with the broker down, queued writes answer
   * UPSTREAM_UNAVAILABLE and everything else still works.
   */
  broker: { url: string; publishTimeoutMs: number };
  /** Worker processes (node:cluster) sharing the port; 1 runs the server in this process. */
  workers: number;
  /**
   * V8's allocation-site pretenuring (src/server/v8Settings.ts). Off by default: under one load
   * burst V8 decides that some sites' objects live long, and in a process whose heap is mostly
   * long-lived code and schema it never takes that back, so afterwards every request's objects
   * from those sites go straight to the old generation (3× the full collections at a steady rate).
   */
  pretenuring: boolean;
  /** How long SIGTERM waits for in-flight requests before cutting them off. */
  shutdownTimeoutMs: number;
  /** Proxy hops in front of the BFF whose `X-Forwarded-For` is trusted (the client IP of anonymous rate limits). */
  trustProxyHops: number;
  metrics: {
    /** Distinct operation names used as metric labels; later names are counted as `other`. */
    maxOperations: number;
    /** Client versions (`apollographql-client-name`@`-version`) kept as field-usage labels; the rest count as `other`. */
    maxClientVersions: number;
  };
  rateLimit: {
    enabled: boolean;
    /** The window every limit below counts in. */
    windowSeconds: number;
    /** Requests per window per anonymous client IP. */
    anonymous: number;
    /** Requests per window per signed-in user. */
    user: number;
    /** Requests per window per API-key plan; a plan not listed gets `user`. */
    plans: Readonly<Record<string, number>>;
    /** Mutations per window per caller, counted on top of the caller's request limit. */
    mutations: number;
  };
  /** Dynamic routing (src/routing): the rules file, off when unset; test keys that may use the override header. */
  routing: { rulesFile: string | undefined; testKeys: string[] };
  /** Priority admission, adaptive concurrency limit (src/traffic/loadTrafficSettings.ts). */
  traffic: TrafficSettings;
  shedding: {
    /** GraphQL requests in flight above which new ones get 503 OVERLOADED; 0 turns the cap off. */
    maxInFlight: number;
    /** Event-loop utilization (0..1) above which new requests are shed; undefined turns it off. */
    maxEventLoopUtilization: number | undefined;
  };
}

const DEV_IDENTITY_SECRET = 'dev-identity-secret-change-me';

/** host:port, or a gRPC target that may name several endpoints (`dns:///host:port`, `ipv4:a:port,b:port`). */
const grpcTarget = z
  .string()
  .regex(
    /^(?:[\w.-]+:\d+|dns:(?:\/\/[\w.-]*\/)?[\w.-]+:\d+|ipv4:[\d.]+:\d+(?:,[\d.]+:\d+)*)$/,
    'must be host:port, dns:///host:port or ipv4:a:port,b:port',
  );

/**
 * The address and deadline settings of the backends `names`, from their declarations: a URL
 * (REST, GraphQL) or host:port (gRPC) defaulting to the demo service on 127.0.0.1, and an
 * optional `<NAME>_TIMEOUT_MS` overriding UPSTREAM_TIMEOUT_MS (or the declared deadline).
 */
function backendSchemaFor(names: readonly BackendName[]) {
  const shape: Record<string, z.ZodType<string | number | undefined>> = {};
  for (const name of names) {
    const { protocol, setting, defaultPort } = BACKENDS[name];
    shape[setting] = (protocol === 'grpc' ? grpcTarget : z.url()).default(backendAddress(name, '127.0.0.1', defaultPort));
    shape[timeoutSettingOf(name)] = int(10, 60_000).optional();
  }
  return z.object(shape);
}

function schemaFor(profile: BffProfile) {
  const { name, defaultPort } = profile;
  const limits = profile.operationLimits ?? {};
  return z
    .object({
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      BFF_HOST: z.string().min(1).default('127.0.0.1'),
      BFF_PORT: int(0, 65535).default(defaultPort),
      // Loopback unless set: the admin port names internal addresses and is unauthenticated.
      BFF_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
      // Unset: BFF_PORT + 100 (4101 mobile, 4102 web), or 0 (ephemeral) when BFF_PORT is 0.
      BFF_ADMIN_PORT: int(0, 65535).optional(),
      BFF_REQUEST_TIMEOUT_MS: int(100, 120_000).default(10_000),
      UPSTREAM_TIMEOUT_MS: int(10, 60_000).default(2_000),
      UPSTREAM_RETRIES: int(0, 5).default(1),
      BREAKER_THRESHOLD: int(1, 1000).default(5),
      BREAKER_HALF_OPEN_MS: int(100, 600_000).default(5_000),
      UPSTREAM_CONCURRENCY: int(1, 256).default(8),
      UPSTREAM_CONNECTIONS: int(1, 1024).default(32),
      GRPC_OUTLIER_FAILURE_PERCENT: int(1, 100).default(50),
      GRPC_OUTLIER_MIN_CALLS: int(1, 100_000).default(20),
      GRPC_OUTLIER_INTERVAL_MS: int(10, 600_000).default(10_000),
      GRPC_OUTLIER_EJECTION_MS: int(10, 3_600_000).default(30_000),
      BFF_BATCHING: bool.default(true),
      BFF_CACHE: z.enum(['off', 'memory']).default('off'),
      BFF_COLLAPSE: bool.default(true),
      BFF_CACHE_MAX_ENTRIES: int(1, 10_000_000).default(50_000),
      BFF_CACHE_MAX_TTL_MS: int(0, 86_400_000).default(300_000),
      BFF_CACHE_REDIS: bool.default(false),
      BFF_CACHE_REDIS_TIMEOUT_MS: int(1, 10_000).default(100),
      BFF_COLLAPSE_REDIS_LEASE_MS: int(0, 60_000).default(0),
      BFF_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
      BFF_FAST_PATH: bool.default(true),
      BFF_FANOUT_DEBUG: bool.default(true),
      BFF_EXPLORER: z.enum(['graphiql', 'sandbox', 'off']).optional(),
      IDENTITY_HMAC_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
      JWKS_URL: z.url().optional(),
      JWKS_FILE: z.string().min(1).optional(),
      JWT_ISSUER: z.string().min(1).default('https://idp.demo.shop'),
      JWT_AUDIENCE: z.string().min(1).default('shop-bff'),
      JWT_ALGORITHMS: csv
        .pipe(z.array(z.enum(['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'])).min(1))
        .default(['ES256', 'RS256']),
      JWT_CLOCK_TOLERANCE_S: int(0, 300).default(30),
      JWT_MAX_BYTES: int(256, 65_536).default(4_096),
      JWKS_COOLDOWN_MS: int(0, 3_600_000).default(30_000),
      JWKS_CACHE_MAX_AGE_MS: int(1_000, 86_400_000).default(600_000),
      JWKS_TIMEOUT_MS: int(100, 60_000).default(2_000),
      JWT_REQUIRE_AT_JWT: bool.default(false),
      JWT_CACHE_MAX_ENTRIES: int(0, 10_000_000).default(10_000),
      JWT_CACHE_MAX_AGE_MS: int(1, 3_600_000).default(60_000),
      OIDC_DISCOVERY_URL: z.url().default('http://127.0.0.1:5006/.well-known/openid-configuration'),
      OIDC_CLIENT_ID: z.string().min(1).default(`bff-${name}`),
      OIDC_CLIENT_SECRET: z.string().min(1).optional(),
      OIDC_SCOPE: z
        .string()
        .min(1)
        .default('openid offline_access orders:read:self profile:write orders:write orders:read:all customers:read'),
      BFF_PUBLIC_ORIGIN: z
        .url()
        .transform((url) => new URL(url).origin)
        .optional(),
      SESSION_TTL_S: int(60, 30 * 86_400).default(8 * 3_600),
      SESSION_REFRESH_SKEW_S: int(0, 3_600).default(30),
      INTROSPECTION_URL: z.url().optional(),
      INTROSPECTION_CLIENT_ID: z.string().min(1).default('shop-bff'),
      INTROSPECTION_CLIENT_SECRET: z.string().min(1).optional(),
      INTROSPECTION_CACHE_MAX_S: int(1, 3_600).default(60),
      INTROSPECTION_TIMEOUT_MS: int(100, 60_000).default(2_000),
      API_KEYS: z
        .string()
        .transform(apiKeysFrom((json) => json))
        .optional(),
      API_KEYS_FILE: z
        .string()
        .min(1)
        .transform(apiKeysFrom((path) => readFileSync(path, 'utf8'), true))
        .optional(),
      // Per BFF (its profile's operationLimits): a phone's operations are small, a dashboard's tables big.
      LIMIT_DEPTH: int(1, 100).default(limits.depth ?? 10),
      LIMIT_ALIASES: int(1, 1_000).default(limits.aliases ?? 15),
      LIMIT_ROOT_FIELDS: int(1, 100).default(limits.rootFields ?? 10),
      LIMIT_DIRECTIVES_PER_FIELD: int(1, 50).default(limits.directivesPerField ?? 4),
      LIMIT_REPEATED_FIELDS: int(1, 100).default(limits.repeatedFields ?? 3),
      LIMIT_TOKENS: int(10, 100_000).default(limits.tokens ?? 1_000),
      LIMIT_COST: int(1, 10_000_000).default(limits.cost ?? 10_000),
      BFF_BODY_LIMIT_BYTES: int(1_024, 10 * 1024 * 1024).default(100 * 1024),
      BFF_HEADERS_TIMEOUT_MS: int(100, 120_000).default(5_000),
      BFF_RECEIVE_TIMEOUT_MS: int(100, 300_000).default(10_000),
      BFF_IDLE_TIMEOUT_MS: int(100, 600_000).default(30_000),
      BFF_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(5_000),
      SAFELIST_MODE: z.enum(['off', 'log', 'enforce']).optional(),
      SAFELIST_MANIFEST: z.string().min(1).optional(),
      APQ_ENABLED: bool.default(true),
      APQ_TTL_S: int(1, 30 * 86_400).default(86_400),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      LOG_PRETTY: bool.optional(),
      REDIS_URL: z.url().optional(),
      BROKER_URL: z
        .string()
        .regex(/^(rediss?:\/\/|https?:\/\/|memory:)/, 'must be redis://…, http://… or memory:')
        .default('http://127.0.0.1:5007'),
      BROKER_PUBLISH_TIMEOUT_MS: int(50, 30_000).default(1_000),
      BFF_WORKERS: int(1, 64).default(1),
      BFF_V8_PRETENURING: bool.default(false),
      SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
      BFF_TRUST_PROXY_HOPS: int(0, 16).default(0),
      METRICS_MAX_OPERATIONS: int(1, 10_000).default(100),
      METRICS_MAX_CLIENT_VERSIONS: int(1, 1_000).default(20),
      RATE_LIMIT_ENABLED: bool.optional(),
      RATE_LIMIT_WINDOW_S: int(1, 86_400).default(60),
      RATE_LIMIT_ANONYMOUS: int(1, 1_000_000).default(300),
      RATE_LIMIT_USER: int(1, 1_000_000).default(600),
      RATE_LIMIT_MUTATIONS: int(1, 1_000_000).default(60),
      RATE_LIMIT_PLANS: csv.pipe(z.array(z.string().regex(/^[\w-]+:\d+$/, 'must be plan:requests, e.g. partner:6000'))).default([]),
      SHED_MAX_IN_FLIGHT: int(0, 1_000_000).default(512),
      SHED_MAX_ELU: z.coerce.number().gt(0).max(1).optional(),
      ROUTING_RULES_FILE: z.string().optional(),
      ROUTING_TEST_KEYS: csv.pipe(z.array(z.string().min(16, 'each test key needs at least 16 characters'))).default([]),
    })
    .superRefine((env, ctx) => {
      const adminPort = adminPortOf(env);
      if (adminPort > 65535) {
        ctx.addIssue({
          code: 'custom',
          path: ['BFF_ADMIN_PORT'],
          message: `must be set when BFF_PORT is above 65435 (BFF_PORT + 100 is ${adminPort})`,
        });
      } else if (adminPort !== 0 && adminPort === env.BFF_PORT) {
        ctx.addIssue({ code: 'custom', path: ['BFF_ADMIN_PORT'], message: `must differ from BFF_PORT (${env.BFF_PORT})` });
      }
      if (env.NODE_ENV === 'production' && !env.IDENTITY_HMAC_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['IDENTITY_HMAC_SECRET'], message: 'is required in production' });
      }
      if (env.NODE_ENV === 'production' && env.BFF_EXPLORER && env.BFF_EXPLORER !== 'off') {
        ctx.addIssue({
          code: 'custom',
          path: ['BFF_EXPLORER'],
          message: 'production serves no explorer (introspection is off): leave it unset or set off',
        });
      }
      if (env.NODE_ENV === 'production' && env.BFF_PUBLIC_ORIGIN !== undefined && !env.BFF_PUBLIC_ORIGIN.startsWith('https:')) {
        ctx.addIssue({
          code: 'custom',
          path: ['BFF_PUBLIC_ORIGIN'],
          message: 'must be https in production (the session cookie is Secure and __Host-)',
        });
      }
      if (env.INTROSPECTION_URL && !env.INTROSPECTION_CLIENT_SECRET) {
        ctx.addIssue({
          code: 'custom',
          path: ['INTROSPECTION_CLIENT_SECRET'],
          message: 'is required with INTROSPECTION_URL (the IdP authenticates the BFF)',
        });
      }
      if (env.BFF_CACHE_REDIS && !(env.REDIS_URL && env.BFF_CACHE === 'memory'))
        ctx.addIssue({ code: 'custom', path: ['BFF_CACHE_REDIS'], message: 'needs REDIS_URL and BFF_CACHE=memory' });
      if (env.BFF_COLLAPSE_REDIS_LEASE_MS > 0 && !env.BFF_CACHE_REDIS)
        ctx.addIssue({ code: 'custom', path: ['BFF_COLLAPSE_REDIS_LEASE_MS'], message: 'needs BFF_CACHE_REDIS=true' });
      if (env.API_KEYS && env.API_KEYS_FILE)
        ctx.addIssue({ code: 'custom', path: ['API_KEYS_FILE'], message: 'set API_KEYS or API_KEYS_FILE, not both' });
      // An idle timeout shorter than the request budget would cut off slow but legitimate responses.
      if (env.BFF_IDLE_TIMEOUT_MS <= env.BFF_REQUEST_TIMEOUT_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['BFF_IDLE_TIMEOUT_MS'],
          message: `must be longer than BFF_REQUEST_TIMEOUT_MS (${env.BFF_REQUEST_TIMEOUT_MS})`,
        });
      }
      if (env.BFF_HEADERS_TIMEOUT_MS > env.BFF_RECEIVE_TIMEOUT_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['BFF_HEADERS_TIMEOUT_MS'],
          message: `must not exceed BFF_RECEIVE_TIMEOUT_MS (${env.BFF_RECEIVE_TIMEOUT_MS})`,
        });
      }
    });
}

/** BFF_ADMIN_PORT, else BFF_PORT + 100 (0 stays 0: tests ask for ephemeral ports). */
function adminPortOf(env: { BFF_PORT: number; BFF_ADMIN_PORT?: number | undefined }): number {
  return env.BFF_ADMIN_PORT ?? (env.BFF_PORT === 0 ? 0 : env.BFF_PORT + 100);
}

/** A zod transform reading API keys (the variable's JSON, or the file it names); a bad one is a zod issue. */
function apiKeysFrom(read: (value: string) => string, isFile = false) {
  return (value: string, ctx: z.RefinementCtx): ApiKeyRecord[] => {
    try {
      return parseApiKeys(read(value));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${isFile ? `${value}: ` : ''}${(error as Error).message}` });
      return z.NEVER;
    }
  };
}

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * @returns the validated configuration of the BFF `profile` describes, from `env`.
 * @throws ConfigError naming each bad variable and what is wrong with it.
 * @throws TypeError when the profile names a backend that is not declared, or its name is not a BFF_NAME.
 */
export function loadConfig(profile: BffProfile, env: NodeJS.ProcessEnv = process.env): BffConfig {
  const { name } = profile;
  if (!BFF_NAME.test(name)) throw new TypeError(`loadConfig: a BFF's name must match ${BFF_NAME.source}, got ${JSON.stringify(name)}`);
  const used = checkBackendNames(profile.backends);
  const schema = schemaFor(profile);
  const backendSchema = backendSchemaFor(used);
  const input = env.BFF_CONFIG_FILE ? { ...readConfigFile(env.BFF_CONFIG_FILE, schema), ...env } : env;
  const parsed = schema.safeParse(input);
  const parsedBackends = backendSchema.safeParse(input);
  if (!parsed.success || !parsedBackends.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(parsedBackends.error?.issues ?? [])];
    throw new ConfigError(issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const b = parsedBackends.data;
  return {
    name,
    production,
    host: e.BFF_HOST,
    port: e.BFF_PORT,
    admin: { host: e.BFF_ADMIN_HOST, port: adminPortOf(e) },
    requestTimeoutMs: e.BFF_REQUEST_TIMEOUT_MS,
    backends: Object.fromEntries(
      used.map((backend) => [
        backend,
        {
          address: b[BACKENDS[backend].setting] as string,
          timeoutMs:
            (b[timeoutSettingOf(backend)] as number | undefined) ??
            (BACKENDS[backend] as BackendDeclaration).timeoutMs ??
            e.UPSTREAM_TIMEOUT_MS,
        },
      ]),
    ),
    upstream: {
      retries: e.UPSTREAM_RETRIES,
      breakerThreshold: e.BREAKER_THRESHOLD,
      breakerHalfOpenMs: e.BREAKER_HALF_OPEN_MS,
      concurrencyPerRequest: e.UPSTREAM_CONCURRENCY,
      connections: e.UPSTREAM_CONNECTIONS,
      outlierDetection: {
        failurePercent: e.GRPC_OUTLIER_FAILURE_PERCENT,
        minCalls: e.GRPC_OUTLIER_MIN_CALLS,
        intervalMs: e.GRPC_OUTLIER_INTERVAL_MS,
        ejectionMs: e.GRPC_OUTLIER_EJECTION_MS,
      },
    },
    batching: e.BFF_BATCHING,
    cache: {
      mode: e.BFF_CACHE,
      collapse: e.BFF_COLLAPSE,
      maxEntries: e.BFF_CACHE_MAX_ENTRIES,
      maxTtlMs: e.BFF_CACHE_MAX_TTL_MS,
      redis: e.BFF_CACHE_REDIS,
      redisTimeoutMs: e.BFF_CACHE_REDIS_TIMEOUT_MS,
      leaseMs: e.BFF_COLLAPSE_REDIS_LEASE_MS,
    },
    executor: e.BFF_EXECUTOR,
    fastPath: e.BFF_FAST_PATH,
    fanoutDebug: e.BFF_FANOUT_DEBUG && !production,
    explorer: production ? 'off' : (e.BFF_EXPLORER ?? 'graphiql'),
    identitySecret: e.IDENTITY_HMAC_SECRET ?? DEV_IDENTITY_SECRET,
    auth: {
      jwksUrl: e.JWKS_URL ?? (e.JWKS_FILE ? undefined : 'http://127.0.0.1:5006/.well-known/jwks.json'),
      jwksFile: e.JWKS_FILE,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      algorithms: e.JWT_ALGORITHMS,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_S,
      maxTokenBytes: e.JWT_MAX_BYTES,
      jwks: { cooldownMs: e.JWKS_COOLDOWN_MS, cacheMaxAgeMs: e.JWKS_CACHE_MAX_AGE_MS, timeoutMs: e.JWKS_TIMEOUT_MS },
      apiKeys: e.API_KEYS ?? e.API_KEYS_FILE ?? [],
      requireAtJwt: e.JWT_REQUIRE_AT_JWT,
      verifiedTokens: { maxEntries: e.JWT_CACHE_MAX_ENTRIES, maxAgeMs: e.JWT_CACHE_MAX_AGE_MS },
      introspection: e.INTROSPECTION_URL
        ? {
            url: e.INTROSPECTION_URL,
            clientId: e.INTROSPECTION_CLIENT_ID,
            clientSecret: e.INTROSPECTION_CLIENT_SECRET!,
            cacheMaxSeconds: e.INTROSPECTION_CACHE_MAX_S,
            timeoutMs: e.INTROSPECTION_TIMEOUT_MS,
          }
        : undefined,
    },
    tokenHandler: {
      discoveryUrl: e.OIDC_DISCOVERY_URL,
      clientId: e.OIDC_CLIENT_ID,
      // The demo IdP's development secret outside production; createServer refuses to start the
      // token handler in production without OIDC_CLIENT_SECRET and BFF_PUBLIC_ORIGIN.
      clientSecret: e.OIDC_CLIENT_SECRET ?? (production ? '' : `bff-${name}-dev-secret`),
      scope: e.OIDC_SCOPE,
      publicOrigin: e.BFF_PUBLIC_ORIGIN,
      sessionTtlSeconds: e.SESSION_TTL_S,
      refreshSkewSeconds: e.SESSION_REFRESH_SKEW_S,
      allowInsecureIdp: !production,
    },
    operationLimits: {
      depth: e.LIMIT_DEPTH,
      aliases: e.LIMIT_ALIASES,
      rootFields: e.LIMIT_ROOT_FIELDS,
      directivesPerField: e.LIMIT_DIRECTIVES_PER_FIELD,
      repeatedFields: e.LIMIT_REPEATED_FIELDS,
      tokens: e.LIMIT_TOKENS,
      cost: e.LIMIT_COST,
    },
    http: {
      bodyLimitBytes: e.BFF_BODY_LIMIT_BYTES,
      headersTimeoutMs: e.BFF_HEADERS_TIMEOUT_MS,
      receiveTimeoutMs: e.BFF_RECEIVE_TIMEOUT_MS,
      idleTimeoutMs: e.BFF_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.BFF_KEEP_ALIVE_TIMEOUT_MS,
    },
    persistedQueries: {
      // The profile says what its clients need in production (an app store ships known operations only).
      safelist: e.SAFELIST_MODE ?? (production ? (profile.productionSafelist ?? 'off') : 'off'),
      manifestFile: e.SAFELIST_MANIFEST ?? profile.manifestFile,
      apq: e.APQ_ENABLED,
      apqTtlSeconds: e.APQ_TTL_S,
    },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? (!production && process.stdout.isTTY === true) },
    redisUrl: e.REDIS_URL,
    broker: { url: e.BROKER_URL, publishTimeoutMs: e.BROKER_PUBLISH_TIMEOUT_MS },
    workers: e.BFF_WORKERS,
    pretenuring: e.BFF_V8_PRETENURING,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    trustProxyHops: e.BFF_TRUST_PROXY_HOPS,
    metrics: { maxOperations: e.METRICS_MAX_OPERATIONS, maxClientVersions: e.METRICS_MAX_CLIENT_VERSIONS },
    rateLimit: {
      // Off by default outside production: the demo, the tests and the benchmark send
      // thousands of anonymous requests from one address.
      enabled: e.RATE_LIMIT_ENABLED ?? production,
      windowSeconds: e.RATE_LIMIT_WINDOW_S,
      anonymous: e.RATE_LIMIT_ANONYMOUS,
      user: e.RATE_LIMIT_USER,
      plans: Object.fromEntries(
        e.RATE_LIMIT_PLANS.map((entry) => {
          const [plan, points] = entry.split(':') as [string, string];
          return [plan, Number(points)];
        }),
      ),
      mutations: e.RATE_LIMIT_MUTATIONS,
    },
    shedding: { maxInFlight: e.SHED_MAX_IN_FLIGHT, maxEventLoopUtilization: e.SHED_MAX_ELU },
    routing: { rulesFile: e.ROUTING_RULES_FILE || undefined, testKeys: e.ROUTING_TEST_KEYS },
    traffic: loadTrafficSettings(env),
  };
}

/** Settings whose value is JSON text rather than a comma-separated list. */
const JSON_SETTINGS = new Set(['API_KEYS']);

/**
 * Reads the optional JSON settings file: one object whose keys are the variable names above
 * (`{ "BFF_PORT": 4001 }`). Environment variables win over it, so a deployment can override
 * one value without editing the file.
 *
 * @throws ConfigError naming BFF_CONFIG_FILE when the file cannot be read or parsed, or holds
 * a key that is not a setting.
 */
function readConfigFile(path: string, schema: ReturnType<typeof schemaFor>): Record<string, string> {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`BFF_CONFIG_FILE: cannot read ${path}: ${(error as Error).message}`]);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ConfigError([`BFF_CONFIG_FILE: ${path} must hold one JSON object of settings`]);
  }
  // Every declared backend's settings, not only this BFF's: one file may configure every BFF.
  const known = new Set([...Object.keys(schema.shape), ...Object.keys(backendSchemaFor(BACKEND_NAMES).shape)]);
  const issues: string[] = [];
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(content)) {
    if (!known.has(key)) issues.push(`BFF_CONFIG_FILE: ${key} is not a setting`);
    // A list is the variable's own text: API_KEYS holds JSON (the array as it is), the others
    // are comma-separated (`["ES256", "RS256"]` is `ES256,RS256`).
    else if (Array.isArray(value)) values[key] = JSON_SETTINGS.has(key) ? JSON.stringify(value) : value.join(',');
    else if (value !== null && typeof value !== 'object') values[key] = String(value);
    else issues.push(`BFF_CONFIG_FILE: ${key} must be a string, number, boolean or list`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return values;
}
