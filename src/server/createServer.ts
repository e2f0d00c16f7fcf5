import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { createBackends, type Backends } from '../datasources/createBackends.js';
import { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import { authenticate, createCallerVerifier } from '../http/authenticate.js';
import { createHttpApp } from '../http/createHttpApp.js';
import { createOperationGate, gateOperation } from '../http/gateOperation.js';
import { rateLimit, useRateLimitHeaders, useRefusalLimit } from '../http/rateLimit.js';
import { useErrorReplies } from '../http/replyError.js';
import { cancelIfClientLeft, requestContext } from '../http/requestContext.js';
import { refuseOtherMethods } from '../http/refuseOtherMethods.js';
import { useRequestState } from '../http/requestState.js';
import { shedLoad } from '../http/shedLoad.js';
import { degradeFields } from '../traffic/degradeFields.js';
import { invalidateOnOrderEvents } from '../cache/invalidateOnOrderEvents.js';
import type { PublicCache } from '../cache/PublicCache.js';
import { createRedisTier } from '../cache/createRedisTier.js';
import { createMessageQueue } from '../messaging/createMessageQueue.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import { createLogger, type Logger } from '../observability/createLogger.js';
import { useAccessLog } from '../observability/useAccessLog.js';
import { useMetrics } from '../observability/useMetrics.js';
import { answerOperation } from '../operation/answerOperation.js';
import { createOperations } from '../operation/createOperations.js';
import type { FastPath } from '../operation/fastPath.js';
import { createPersistedQueries } from '../persisted/createPersistedQueries.js';
import { createRedisClient, type RedisClient } from '../redis/createRedisClient.js';
import { describeAuth } from '../schema/describeAuth.js';
import { createRouter } from '../routing/createRouter.js';
import { useSubscriptions } from '../subscriptions/useSubscriptions.js';
import { routeRequest, useRouting, withRoutingReadiness } from '../routing/useRouting.js';
import { createAdminApp } from './createAdminApp.js';
import { createDependencyReport } from './createDependencyReport.js';
import { createReadinessCheck } from './createReadinessCheck.js';
import { useExplorer } from './explorer/useExplorer.js';
import { useHealthRoutes } from './useHealthRoutes.js';
import type { CreateServerOptions } from './CreateServerOptions.js';

export type { CreateServerOptions } from './CreateServerOptions.js';

export interface BffServer {
  readonly app: FastifyInstance;
  readonly apollo: ApolloServer<BffContext>;
  readonly backends: Backends;
  readonly config: BffConfig;
  readonly log: Logger;
  /** The process's Redis connection, when REDIS_URL is set. */
  readonly redis: RedisClient | undefined;
  /** The message queue (BROKER_URL): queued writes go out through it, order events come in. */
  readonly queue: MessageQueue;
  /** The fast path for the client's own queries, when it is on (see createFastPath). */
  readonly fastPath: FastPath | undefined;
  /**
   * The admin (ops) listener: `/healthz`, `/readyz` with detail, `/dependencies`, `/metrics`
   * (createAdminApp). Not reachable through `app`.
   */
  readonly admin: FastifyInstance;
  /** `http://host:port` of the admin listener once `listen()` has started it. */
  readonly adminUrl: string | undefined;
  /** Every series the admin port's `/metrics` serves (a cluster's primary aggregates the workers'). */
  readonly metrics: Registry;
  /**
   * Starts the public listener and the admin one (`config.admin`), unless `admin: false` (a
   * cluster worker: the primary holds the admin port, see clusterAdmin.ts).
   * @returns the URL of the GraphQL endpoint.
   */
  listen(options?: { admin?: boolean }): Promise<string>;
  /**
   * Readiness turns false on both ports, the public listener closes (new connections are
   * refused), in-flight requests finish, then Apollo, the backend channels and Redis close;
   * the admin listener closes last, so probes and scrapes see the drain.
   */
  close(): Promise<void>;
}

/** The public port's probes: never shed, not in request metrics, logged at debug (the rest is on the admin port). */
const MACHINE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/**
 * Builds one BFF by composition, and does nothing else: the edge's stages (src/http, in
 * fastify's lifecycle order), the operation pipeline (src/operation) with its paths (the fast
 * path, Apollo Server, the subscription transports of src/subscriptions), health and metrics routes. Nothing here knows which
 * client the BFF serves; that is in the schema and checks it is given.
 *
 * @returns a started (not yet listening) server.
 */
export async function createServer(options: CreateServerOptions): Promise<BffServer> {
  const { config } = options;
  // `@auth` requirements in field descriptions: introspection (explorers' docs) cannot show directives.
  // LOW fields degrade while admission (made below, read only per request) is under pressure.
  const degradation = degradeFields(describeAuth(options.schema), () => config.traffic.degrade && shedder.admission?.pressure === true);
  const schema = degradation.schema;
  const log = options.logger ?? createLogger(config);
  const backends = options.backends ?? createBackends(config);
  const redis = config.redisUrl ? await createRedisClient(config.redisUrl, log) : undefined;
  const queue =
    options.queue ??
    (await createMessageQueue(config.broker.url, {
      publishTimeoutMs: config.broker.publishTimeoutMs,
      onError: (error) => log.warn({ err: error }, 'message broker error'),
    }));
  const queued = new QueuedWrites(queue, config.identitySecret);
  const { rulesFile, testKeys } = config.routing;
  const router = rulesFile ? createRouter({ bff: config.name, rulesFile, testKeys, backends, config, log }) : undefined;
  const publicCache = (backends as { publicCache?: PublicCache }).publicCache;
  if (config.cache.redis && redis) publicCache?.useSharedTier(createRedisTier(redis, { log, timeoutMs: config.cache.redisTimeoutMs }));
  const cacheInvalidation = invalidateOnOrderEvents(queue, publicCache, (error) =>
    log.warn({ err: error }, 'cache invalidation: reading order events failed; retrying'),
  );
  // Loaded only when on: rate-limiter-flexible stays out of a process that does not limit.
  const rateLimiter = config.rateLimit.enabled
    ? (await import('../limits/createRateLimiter.js')).createRateLimiter({
        limits: config.rateLimit,
        settings: config.traffic.rateLimit,
        redis,
        keyPrefix: `bff-${config.name}:rl`,
        log,
      })
    : undefined;
  const { verify: verifyCaller, tokenHandler } = createCallerVerifier({
    config,
    redis,
    log,
    authenticate: options.authenticate,
    tokenHandler: options.tokenHandler,
  });
  const persisted = createPersistedQueries(config, { redis, log });
  const admitOperation = createOperationGate({
    limits: config.operationLimits,
    safelist: config.persistedQueries.safelist,
    operations: persisted.operations,
    log,
  });

  // One set of steps for every operation, whichever path carries it (src/operation).
  const { pipeline, apollo, fastPath, fieldUsage } = await createOperations({
    schema,
    config,
    persisted,
    rateLimiter,
    checks: options.checks,
  });
  const app = createHttpApp(config);

  // The request's life, in fastify's lifecycle order (src/http): its record and id first
  // (onRequest), then load shedding (onRequest), the body (fastify), the operation gate,
  // authentication and the rate limit (the GraphQL route's preHandler), the operation
  // (handler), metrics and the access line (onResponse); replyError answers every refusal.
  useRequestState(app);
  if (router) useRouting(app, router);
  const shedder = shedLoad(app, {
    url: '/graphql',
    settings: config.traffic,
    classes: options.trafficClasses,
    operations: persisted.operations,
    maxEventLoopUtilization: config.shedding.maxEventLoopUtilization,
    onClose: cancelIfClientLeft,
  });
  if (rateLimiter) {
    useRefusalLimit(app, rateLimiter, '/graphql');
    useRateLimitHeaders(app);
  }
  // WebSocket and SSE: the same gate, authenticator, shedder and pipeline (src/subscriptions).
  const subscriptions = useSubscriptions(app, {
    pipeline,
    config,
    backends,
    queued,
    queue,
    log,
    authenticate: verifyCaller,
    admitOperation,
    operations: persisted.operations,
    shedder,
    orderEvents: options.orderEvents,
  });
  const metrics = useMetrics(app, {
    registries: [subscriptions.registry],
    bff: config.name,
    backends,
    maxOperations: config.metrics.maxOperations,
    inFlight: () => shedder.inFlight,
    redis,
    unmetered: MACHINE_ROUTES,
  });
  fieldUsage.register(metrics.registry);
  shedder.register(metrics.registry);
  rateLimiter?.register(metrics.registry);
  degradation.register(metrics.registry);
  router?.register(metrics.registry);
  // After the metrics: once a request's access line is written, it has been counted.
  useAccessLog(app, log, { quiet: MACHINE_ROUTES });
  useErrorReplies(app, log);

  let closing = false;
  const readiness = createReadinessCheck({
    auth: options.authenticate ? undefined : config.auth,
    // Only against the configured backends (a test's own Backends may point elsewhere).
    identity:
      options.backends || !config.backends.users
        ? undefined
        : { usersUrl: config.backends.users.address, client: config.name, secret: config.identitySecret },
  });
  const dependencies = createDependencyReport({ backends, targets: config.backends, redis, queue });
  const readinessNow = async () => withRoutingReadiness(await readiness(closing), router);
  useHealthRoutes(app, readinessNow, { detail: false });
  // Detail, dependencies and metrics on the admin port only (issue 15 §5).
  const admin = createAdminApp({ config, log, readiness: readinessNow, dependencies, metrics: metrics.registry });
  let adminUrl: string | undefined;
  const explorer = useExplorer(app, {
    endpoint: '/graphql',
    bff: config.name,
    mode: config.explorer,
    schema: config.production ? undefined : schema,
    fanoutDebug: config.fanoutDebug,
    signIn: tokenHandler !== undefined,
    log,
  });
  tokenHandler?.register(app);

  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    preHandler: [
      // A browser's GET of the endpoint gets the explorer's page instead.
      gateOperation(admitOperation, { servePage: explorer?.servePage }),
      authenticate(verifyCaller, log),
      // After authentication: segments read the viewer.
      ...(router ? [routeRequest(router)] : []),
      ...(rateLimiter ? [rateLimit(rateLimiter)] : []),
    ],
    // The operation: the fast path or Apollo Server, both through the pipeline (src/operation).
    handler: answerOperation({ apollo, fastPath, contextOf: requestContext({ config, backends, queued, log }) }),
  });
  refuseOtherMethods(app, '/graphql', ['GET', 'POST']);

  return {
    app,
    apollo,
    backends,
    config,
    log,
    redis,
    queue,
    fastPath,
    admin,
    get adminUrl() {
      return adminUrl;
    },
    metrics: metrics.registry,
    async listen(options) {
      const address = await app.listen({ host: config.host, port: config.port });
      if (options?.admin === false) return `${address}/graphql`;
      try {
        adminUrl = await admin.listen({ host: config.admin.host, port: config.admin.port });
      } catch (error) {
        // Half a server is no server: without its probes an orchestrator could not manage it.
        await app.close();
        throw error;
      }
      return `${address}/graphql`;
    },
    async close() {
      closing = true;
      shedder.close();
      // Subscriptions first: their sockets close with 1001 once what is in flight is sent.
      await subscriptions.close();
      await app.close();
      await apollo.stop();
      await backends.close();
      await router?.close();
      await cacheInvalidation?.close();
      await queue.close();
      await redis?.close();
      // Last: until here the orchestrator sees `shutting_down` on the admin port, and scrapes the drain.
      await admin.close();
    },
  };
}
