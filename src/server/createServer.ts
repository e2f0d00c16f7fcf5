import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth/createAuthenticator.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { buildContext } from '../context/buildContext.js';
import { createBackends, type Backends } from '../datasources/createBackends.js';
import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import { ErrorCode } from '../errors/codes.js';
import { authenticate, createCallerVerifier } from '../http/authenticate.js';
import { createHttpApp } from '../http/createHttpApp.js';
import { createOperationGate, gateOperation } from '../http/gateOperation.js';
import { rateLimit, useRateLimitHeaders, useRefusalLimit } from '../http/rateLimit.js';
import { replyError, useErrorReplies } from '../http/replyError.js';
import { useRequestState } from '../http/requestState.js';
import { shedLoad } from '../http/shedLoad.js';
import { degradeFields } from '../traffic/degradeFields.js';
import type { PriorityClass } from '../traffic/PriorityClass.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';
import { invalidateOnOrderEvents } from '../cache/invalidateOnOrderEvents.js';
import type { PublicCache } from '../cache/PublicCache.js';
import { createMessageQueue } from '../messaging/createMessageQueue.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import { createFieldUsage } from '../observability/createFieldUsage.js';
import { createLogger, type Logger } from '../observability/createLogger.js';
import { useAccessLog } from '../observability/useAccessLog.js';
import { useMetrics } from '../observability/useMetrics.js';
import { createApolloServer } from '../operation/createApolloServer.js';
import { createFastPath, type FastPath } from '../operation/fastPath.js';
import { debugAsks, withRequestIdInBody } from '../operation/formatResult.js';
import { createOperationPipeline, type OperationCheck } from '../operation/OperationPipeline.js';
import { createPersistedQueries } from '../persisted/createPersistedQueries.js';
import { createRedisClient, type RedisClient } from '../redis/createRedisClient.js';
import { describeAuth } from '../schema/describeAuth.js';
import type { EventSource } from '../subscriptions/EventSource.js';
import { createOrderStatusSource } from '../subscriptions/createOrderStatusSource.js';
import { createQueuedOrderEvents } from '../subscriptions/createQueuedOrderEvents.js';
import { admitUpgradeThrough } from '../subscriptions/admitUpgrade.js';
import { createSubscriptionServer } from '../subscriptions/createSubscriptionServer.js';
import { loadSubscriptionLimits } from '../subscriptions/subscriptionLimits.js';
import { createRouter } from '../routing/createRouter.js';
import { routeRequest, useRouting, withRoutingReadiness } from '../routing/useRouting.js';
import { createDependencyReport } from './createDependencyReport.js';
import { createReadinessCheck } from './createReadinessCheck.js';
import { useExplorer } from './explorer/useExplorer.js';
import { useHealthRoutes } from './useHealthRoutes.js';

export interface CreateServerOptions {
  config: BffConfig;
  /** The BFF's executable schema (its SDL and resolvers). */
  schema: GraphQLSchema;
  /** Backend clients; default: made from `config.backends`. */
  backends?: Backends;
  logger?: Logger;
  /** Default: bearer JWTs verified against the configured key set. */
  authenticate?: Authenticator;
  /**
   * The BFF's own checks of an operation, after the kit's; both paths (Apollo's and the fast
   * path) run them. Throw a BffError to refuse.
   */
  checks?: OperationCheck[];
  /** The message queue; default: made from `config.broker`. Closed with the server either way. */
  queue?: MessageQueue;
  /**
   * Be the browser's OAuth token handler (src/auth/tokenHandler): /auth/* routes and a session
   * cookie beside bearer tokens. Default false; bff-web turns it on.
   */
  tokenHandler?: boolean;
  /**
   * The order-events feed (topic `orders`) of subscriptions; default: fed by the queue's `orders.events` topic (createQueuedOrderEvents). Closed with the server.
   */
  orderEvents?: EventSource<OrderDto> & { close(): void; drain?(): void; readonly openUpstreams: number };
  /** Priority classes of the client's manifest operations by name (src/traffic; TRAFFIC_CLASSES overrides). */
  trafficClasses?: Readonly<Record<string, PriorityClass>>;
}

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
  /** @returns the URL of the GraphQL endpoint. */
  listen(): Promise<string>;
  /**
   * Readiness turns false, the listener closes (new connections are refused), in-flight
   * requests finish, then Apollo, the backend channels and Redis close.
   */
  close(): Promise<void>;
}

/** Routes for machines (probes, scrapes): never shed, not in request metrics, logged at debug. */
const MACHINE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/dependencies', '/metrics']);

/**
 * Builds one BFF by composition, and does nothing else: the edge's stages (src/http, in
 * fastify's lifecycle order), the operation pipeline (src/operation) with its two paths (the
 * fast path, Apollo Server), subscriptions, health and metrics routes. Nothing here knows which
 * client the BFF serves; that is in the schema and checks it is given.
 *
 * @returns a started (not yet listening) server.
 */
export async function createServer(options: CreateServerOptions): Promise<BffServer> {
  const { config } = options;
  // `@auth` requirements in field descriptions: introspection (explorers' docs) cannot show directives.
  // LOW fields degrade while admission (made below, read only per request) is under pressure.
  const degradation = degradeFields(describeAuth(options.schema), () => shedder.admission?.pressure === true);
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
  const cacheInvalidation = invalidateOnOrderEvents(queue, (backends as { publicCache?: PublicCache }).publicCache, (error) =>
    log.warn({ err: error }, 'cache invalidation: reading order events failed; retrying'),
  );
  const rateLimiter = config.rateLimit.enabled
    ? createRateLimiter({ limits: config.rateLimit, settings: config.traffic.rateLimit, redis, keyPrefix: `bff-${config.name}:rl`, log })
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

  // Which client versions select which fields (README, "Changing the schema"); both paths record.
  const fieldUsage = createFieldUsage({ schema, maxVersions: config.metrics.maxClientVersions });
  // One set of steps for every operation, whichever path carries it (src/operation).
  const pipeline = createOperationPipeline({
    schema,
    executor: config.executor,
    check: { maxCost: config.operationLimits.cost },
    // Stack traces go to the log; outside production a client asks for a short one (`x-bff-debug: stack`).
    format: { mask: config.production, stacktraceOnRequest: !config.production },
    fieldUsage,
    rateLimiter,
    checks: options.checks,
  });
  const apollo = await createApolloServer(pipeline, { config, persistedQueries: persisted.options });
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
    // The response closing before it was written means the client went away: stop the
    // request's backend calls. (The request's own 'close' fires once its body is read.)
    // Run from the shedder's 'close' listener, which every counted /graphql request has.
    onClose: (request, reply) => {
      if (!reply.raw.writableFinished) request.state.cancel?.abort();
    },
  });
  if (rateLimiter) {
    useRefusalLimit(app, rateLimiter, '/graphql');
    useRateLimitHeaders(app);
  }
  const subscriptionLimits = loadSubscriptionLimits();
  const orderStatus = createOrderStatusSource({ orders: backends.orders, identitySecret: config.identitySecret });
  const orderEvents =
    options.orderEvents ??
    createQueuedOrderEvents(queue, (error) => log.warn({ err: error }, 'order events: reading the queue failed; retrying'));
  const subscriptions = createSubscriptionServer({
    app,
    pipeline,
    config,
    backends,
    queued,
    log,
    authenticate: verifyCaller,
    admitOperation,
    operations: persisted.operations,
    limits: subscriptionLimits,
    admitUpgrade: admitUpgradeThrough(shedder),
    sources: {
      orderStatus,
      orderEvents,
      get openUpstreams() {
        return orderStatus.openUpstreams + orderEvents.openUpstreams;
      },
      close() {
        orderStatus.close();
        orderEvents.close();
      },
      drain() {
        orderStatus.drain();
        orderEvents.drain?.();
      },
    },
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
  useHealthRoutes(app, async () => withRoutingReadiness(await readiness(closing), router), dependencies);
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

  // The client's own queries skip Apollo Server, not the pipeline (src/operation/fastPath.ts).
  const fastPath =
    config.fastPath && config.executor === 'jit' ? createFastPath({ pipeline, operations: persisted.operations }) : undefined;
  const contextOf = (request: FastifyRequest): BffContext => {
    const { state } = request;
    // Aborted by the shedder's 'close' listener (see shedLoad's onClose above) when the
    // client goes away: one listener per response instead of two.
    state.cancel = new AbortController();
    const traceparent = request.headers.traceparent;
    const idempotencyKey = request.headers['idempotency-key'];
    return buildContext(
      {
        requestId: request.id,
        viewer: state.viewer!,
        log: log.child({ requestId: request.id }),
        signal: state.cancel.signal,
        startedAt: state.startedAt,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
        wantsFanout: debugAsks(request.headers['x-bff-debug'], 'fanout'),
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
        routing: state.routing,
        state,
      },
      { config, backends, queued },
    );
  };
  const graphqlHandler = fastifyApolloHandler<BffContext>(apollo, { context: async (request) => contextOf(request) });

  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    preHandler: [
      gateOperation(admitOperation, {
        servePage:
          explorer &&
          ((request, reply) => {
            if (!explorer.wantsPage(request)) return false;
            explorer.sendPage(reply);
            return true;
          }),
      }),
      authenticate(verifyCaller, log),
      // After authentication: segments read the viewer.
      ...(router ? [routeRequest(router)] : []),
      ...(rateLimiter ? [rateLimit(rateLimiter)] : []),
    ],
    async handler(request, reply) {
      const fast = fastPath?.match(request);
      const response = fast && (await fastPath!.run(fast, request, contextOf(request)));
      if (response) {
        if (response.headers) for (const [name, value] of response.headers) void reply.header(name, value);
        return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
      }
      // Refusals Apollo makes before its pipeline (CSRF, a malformed request) get the request id here.
      return withRequestIdInBody(await graphqlHandler.call(app, request, reply), request.id);
    },
  });
  app.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/graphql',
    handler: async (request, reply) => {
      void reply.header('allow', 'GET, POST');
      return replyError(reply, request, ErrorCode.METHOD_NOT_ALLOWED, 'Use GET or POST.', { status: 405 });
    },
  });

  return {
    app,
    apollo,
    backends,
    config,
    log,
    redis,
    queue,
    fastPath,
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
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
    },
  };
}
