import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createApiKeyVerifier } from '../auth/createApiKeyVerifier.js';
import { createAuthenticator, type Authenticator } from '../auth/createAuthenticator.js';
import { createIntrospectingVerifier } from '../auth/createIntrospectingVerifier.js';
import { createTokenVerifier } from '../auth/createTokenVerifier.js';
import { createTokenHandler } from '../auth/tokenHandler/createTokenHandler.js';
import { useAuthorization } from '../auth/useAuthorization.js';
import type { Viewer } from '../auth/Viewer.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { buildContext } from '../context/buildContext.js';
import { createBackends, type Backends } from '../datasources/createBackends.js';
import { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import { invalidateOnOrderEvents } from '../cache/invalidateOnOrderEvents.js';
import type { PublicCache } from '../cache/PublicCache.js';
import { createMessageQueue } from '../messaging/createMessageQueue.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';
import { useLoadShedder } from '../limits/useLoadShedder.js';
import { admitRequest, useMutationRateLimit } from '../limits/useRateLimit.js';
import { useArgumentCheck } from '../limits/useArgumentCheck.js';
import { useCostLimit } from '../limits/useCostLimit.js';
import { createLogger, type Logger } from '../observability/createLogger.js';
import { bindOutcome } from '../observability/RequestOutcome.js';
import { useAccessLog } from '../observability/useAccessLog.js';
import { createFieldUsage } from '../observability/createFieldUsage.js';
import { useFieldUsage } from '../observability/useFieldUsage.js';
import { useMetrics } from '../observability/useMetrics.js';
import { useOperationOutcome, useRequestOutcome } from '../observability/useRequestOutcome.js';
import { createPersistedQueries } from '../persisted/createPersistedQueries.js';
import { createRedisClient, type RedisClient } from '../redis/createRedisClient.js';
import { createOperationGate, type OperationParams } from './createOperationGate.js';
import { createDependencyReport } from './createDependencyReport.js';
import { createReadinessCheck } from './createReadinessCheck.js';
import { useHealthRoutes } from './useHealthRoutes.js';
import { createFastPath, type FastPath } from './createFastPath.js';
import { useExplorer } from './explorer/useExplorer.js';
import { describeAuth } from '../schema/describeAuth.js';
import { createJitGateway } from './createJitGateway.js';
import { createFormatError, debugAsks, useErrorMasking, withRequestIdInBody } from './plugins/useErrorMasking.js';
import { useFanoutReceipt } from './plugins/useFanoutReceipt.js';
import { useSubscriptionRefusal } from './plugins/useSubscriptionRefusal.js';
import { useLegacyJsonStatus } from './plugins/useLegacyJsonStatus.js';
import { sendError } from './sendError.js';
import type { OrderDto } from '../datasources/grpc/OrdersClient.js';
import type { EventSource } from '../subscriptions/EventSource.js';
import { createOrderStatusSource } from '../subscriptions/createOrderStatusSource.js';
import { createQueuedOrderEvents } from '../subscriptions/createQueuedOrderEvents.js';
import { createSubscriptionServer } from '../subscriptions/createSubscriptionServer.js';
import { loadSubscriptionLimits } from '../subscriptions/subscriptionLimits.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    startedAt: number;
    /** Aborts the request's backend calls; set once its GraphQL context is built. */
    cancel: AbortController | undefined;
  }
}

export interface CreateServerOptions {
  config: BffConfig;
  /** The BFF's executable schema (its SDL and resolvers). */
  schema: GraphQLSchema;
  /** Backend clients; default: made from `config.backends`. */
  backends?: Backends;
  logger?: Logger;
  /** Default: bearer JWTs verified against the configured key set. */
  authenticate?: Authenticator;
  /** The BFF's own Apollo plugins, after the kit's. */
  plugins?: ApolloServerPlugin<BffContext>[];
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
  orderEvents?: EventSource<OrderDto> & { close(): void; readonly openUpstreams: number };
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

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds one BFF: fastify for HTTP, Apollo Server for GraphQL, the kit's edge pipeline
 * (request id → authentication → context) and plugins. Nothing here knows which client
 * the BFF serves; that is in the schema and plugins it is given.
 *
 * @returns a started (not yet listening) server.
 */
export async function createServer(options: CreateServerOptions): Promise<BffServer> {
  const { config } = options;
  // `@auth` requirements in field descriptions: introspection (explorers' docs) cannot show directives.
  const schema = describeAuth(options.schema);
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
  const cacheInvalidation = invalidateOnOrderEvents(queue, (backends as { publicCache?: PublicCache }).publicCache, (error) => log.warn({ err: error }, 'cache invalidation: reading order events failed; retrying'));
  const rateLimiter = config.rateLimit.enabled
    ? createRateLimiter({ limits: config.rateLimit, redis, keyPrefix: `bff-${config.name}:rl`, log })
    : undefined;
  // In production the token handler runs once it has a client secret (a deployment without browser
  // sign-in sets none), and then needs the public origin its cookie and redirect URI are for.
  const wantsTokenHandler = options.tokenHandler === true && config.tokenHandler.clientSecret !== '';
  if (options.tokenHandler && !wantsTokenHandler) log.warn('token handler off: OIDC_CLIENT_SECRET is not set');
  if (wantsTokenHandler && config.production && !config.tokenHandler.publicOrigin) {
    throw new TypeError('createServer: the token handler needs BFF_PUBLIC_ORIGIN (https) in production');
  }
  const tokenHandler = wantsTokenHandler
    ? createTokenHandler({ settings: config.tokenHandler, redis, keyPrefix: `bff-${config.name}`, log })
    : undefined;
  const bearerAuthenticate =
    options.authenticate ??
    createAuthenticator({
      client: config.name,
      verifyToken: config.auth.introspection
        ? createIntrospectingVerifier(createTokenVerifier({ auth: config.auth }), { ...config.auth.introspection, audience: config.auth.audience, issuer: config.auth.issuer, maxTokenBytes: config.auth.maxTokenBytes })
        : createTokenVerifier({ auth: config.auth }),
      verifyApiKey: createApiKeyVerifier({ bff: config.name, keys: config.auth.apiKeys }),
    });
  const authenticate = tokenHandler ? tokenHandler.wrap(bearerAuthenticate) : bearerAuthenticate;
  const persisted = createPersistedQueries(config, { redis, log });
  const admitOperation = createOperationGate({
    limits: config.operationLimits,
    safelist: config.persistedQueries.safelist,
    operations: persisted.operations,
    log,
  });

  const formatError = createFormatError({ mask: config.production });
  // Which client versions select which fields (README, "Changing the schema"); both paths record.
  const fieldUsage = createFieldUsage({ schema, maxVersions: config.metrics.maxClientVersions });
  const apollo = new ApolloServer<BffContext>({
    // The jit executor reaches Apollo through its gateway interface, which then supplies the schema.
    ...(config.executor === 'jit' ? { gateway: createJitGateway(schema) } : { schema }),
    introspection: !config.production,
    // No "Did you mean …?" in production: it would leak the schema introspection hides.
    hideSchemaDetailsFromClientErrors: config.production,
    // Stack traces go to the log; a client asks for a short one with `x-bff-debug: stack` (useErrorMasking).
    includeStacktraceInErrorResponses: false,
    formatError,
    // Apollo's defaults, stated because the edge relies on them: a GET or a "simple" POST needs a
    // preflight-forcing header (CSRF), and a JSON array body is refused before it gets here.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: persisted.options,
    // runServer owns the process's signals and the order of shutdown. Apollo's own SIGTERM
    // handler (on outside NODE_ENV=test) would start a second stop that waits out the
    // shutdown deadline whenever a client keeps an idle keep-alive connection.
    stopOnTerminationSignals: false,
    plugins: [
      // Refusals that need the validated operation, first: before anything calls a backend.
      useSubscriptionRefusal(),
      useCostLimit(config.operationLimits.cost),
      useAuthorization(),
      useArgumentCheck(),
      // No response cache reads cache hints here; computing them cost a third of the
      // dashboard's throughput in measurements (see README, Performance).
      ApolloServerPluginCacheControlDisabled(),
      // Apollo installs its federated inline-trace plugin unless told not to; it only ever acts in a
      // subgraph (this is not one), but still costs every request a requestDidStart call.
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's page only when asked for (BFF_EXPLORER=sandbox: it loads from Apollo's CDN);
      // the default, GraphiQL, is served by useExplorer below. Never in production.
      config.explorer === 'sandbox'
        ? ApolloServerPluginLandingPageLocalDefault({ embed: { endpointIsEditable: false }, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      useErrorMasking({ stacktraceOnRequest: !config.production }),
      useLegacyJsonStatus(),
      // Only where the receipt can be asked for: otherwise it never adds anything, and every
      // plugin with a requestDidStart costs each request a few promises.
      ...(config.fanoutDebug ? [useFanoutReceipt()] : []),
      useOperationOutcome(),
      useFieldUsage(fieldUsage),
      ...(rateLimiter ? [useMutationRateLimit(rateLimiter)] : []),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  const app = Fastify({
    logger: false,
    bodyLimit: config.http.bodyLimitBytes,
    // Shed slow and idle clients: headers, the whole request, and silence each have a deadline.
    // Node checks the first two only every connectionsCheckingInterval (30 s by default), which
    // would let a client trickling one header byte at a time hold a socket that long.
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    requestTimeout: config.http.receiveTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // Hops of proxies whose X-Forwarded-For is believed: `request.ip` keys anonymous rate limits.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
  });
  // GraphQL over HTTP takes application/json only: a text/plain body would be a "simple"
  // cross-site request, and anything else is a 415, answered as JSON by the error handler.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('viewer', undefined as unknown as Viewer);
  app.decorateRequest('startedAt', 0);
  app.decorateRequest('cancel', undefined);
  useRequestOutcome(app);

  // A callback hook, not an async one: fastify then needs no promise and microtask for it.
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = Date.now();
    void reply.header('x-request-id', request.id);
    done();
  });
  const shedder = useLoadShedder(app, {
    url: '/graphql',
    maxInFlight: config.shedding.maxInFlight,
    maxEventLoopUtilization: config.shedding.maxEventLoopUtilization,
    // The response closing before it was written means the client went away: stop the
    // request's backend calls. (The request's own 'close' fires once its body is read.)
    // Run from the shedder's 'close' listener, which every counted /graphql request has.
    onClose: (request, reply) => {
      if (!reply.raw.writableFinished) request.cancel?.abort();
    },
  });
  const subscriptionLimits = loadSubscriptionLimits();
  const orderStatus = createOrderStatusSource({ orders: backends.orders, identitySecret: config.identitySecret });
  const orderEvents =
    options.orderEvents ??
    createQueuedOrderEvents(queue, (error) => log.warn({ err: error }, 'order events: reading the queue failed; retrying'));
  const subscriptions = createSubscriptionServer({
    app,
    schema,
    config,
    backends,
    queued,
    log,
    authenticate,
    admitOperation,
    operations: persisted.operations,
    formatError,
    limits: subscriptionLimits,
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
  // After the metrics: once a request's access line is written, it has been counted.
  useAccessLog(app, log, { quiet: MACHINE_ROUTES });

  app.setErrorHandler((error, request, reply) => {
    const bff = asBffError(error);
    if (bff) return sendError(reply, request, bff.code, bff.message, bff.extensions.http as { status?: number } | undefined);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const fastifyCode = (error as { code?: string }).code;
    if (status >= 500) log.error({ err: error, requestId: request.id }, 'unhandled error');
    const [code, message] = httpErrorOf(status, fastifyCode, error);
    return sendError(reply, request, code, message, { status });
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, ErrorCode.NOT_FOUND, `No route ${request.method} ${request.url.split('?')[0]}.`, { status: 404 }));

  let closing = false;
  const readiness = createReadinessCheck({
    auth: options.authenticate ? undefined : config.auth,
    // Only against the configured backends (a test's own Backends may point elsewhere).
    identity: options.backends ? undefined : { usersUrl: config.backends.users.address, client: config.name, secret: config.identitySecret },
  });
  const dependencies = createDependencyReport({ backends, targets: config.backends, redis, queue });
  useHealthRoutes(app, () => readiness(closing), dependencies);
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

  // The client's own queries skip Apollo's request pipeline (createFastPath explains when and
  // why); it runs the jit executor, and cannot run plugins it does not know of.
  const fastPath =
    config.fastPath && config.executor === 'jit' && !options.plugins?.length
      ? createFastPath({
          schema,
          operations: persisted.operations,
          maxCost: config.operationLimits.cost,
          formatError,
          includeStacktrace: false,
        })
      : undefined;
  const graphqlHandler = fastifyApolloHandler<BffContext>(apollo, {
    context: async (request) => contextOf(request),
  });
  const contextOf = (request: FastifyRequest): BffContext => {
    const controller = new AbortController();
    // Aborted by the shedder's 'close' listener (see useLoadShedder's onClose above) when the
    // client goes away: one listener per response instead of two.
    request.cancel = controller;
    const traceparent = request.headers.traceparent;
    const context = buildContext(
      {
        requestId: request.id,
        viewer: request.viewer,
        log: log.child({ requestId: request.id }),
        signal: controller.signal,
        startedAt: request.startedAt,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
        wantsFanout: debugAsks(request.headers['x-bff-debug'], 'fanout'),
        idempotencyKey: typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined,
      },
      { config, backends, queued },
    );
    bindOutcome(context, request.outcome);
    return context;
  };

  const authenticated = async (request: FastifyRequest, reply: FastifyReply) => {
    // HTTP/1.1 requires Host (node refuses it without); HTTP/1.0 does not, but Apollo's
    // request URL is built from it and would fail with a 500.
    if (!request.headers.host) {
      return sendError(reply, request, ErrorCode.BAD_REQUEST, 'Send a Host header.', { status: 400 }, { reason: 'missing_host' });
    }
    if (explorer?.wantsPage(request)) return explorer.sendPage(reply);
    if (Array.isArray(request.body)) {
      return sendError(reply, request, ErrorCode.BAD_REQUEST, 'Batched operations are not accepted: send one operation per request.', { status: 400 });
    }
    const { refusal, hash } = admitOperation(((request.method === 'GET' ? request.query : request.body) ?? {}) as OperationParams, request.id);
    if (refusal) return sendError(reply, request, refusal.code, refusal.message, undefined, refusal.extensions);
    try {
      request.viewer = await authenticate(request.headers);
    } catch (error) {
      // The client gets the same body whatever went wrong; the reason is for the operator.
      const refused = asBffError(error);
      if (refused) {
        const level = refused.code === ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE ? 'warn' : 'info';
        log[level]({ requestId: request.id, code: refused.code, reason: refused.reason, err: refused.originalError }, 'authentication refused');
      }
      throw error;
    }
    if (rateLimiter && !(await admitRequest(rateLimiter, request, reply))) return reply;
    const fast = fastPath?.match(request, hash);
    // Refusals Apollo makes before its pipeline (CSRF, a malformed request) get the request id here.
    if (!fast) return withRequestIdInBody(await graphqlHandler.call(app, request, reply), request.id);
    fieldUsage.record(fast.query.document, request.headers);
    const response = await fastPath!.run(fast, contextOf(request), request.outcome);
    if (response.headers) for (const [name, value] of response.headers) void reply.header(name, value);
    return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
  };
  app.route({ method: ['GET', 'POST'], url: '/graphql', handler: authenticated });
  app.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/graphql',
    handler: async (request, reply) => {
      void reply.header('allow', 'GET, POST');
      return sendError(reply, request, ErrorCode.METHOD_NOT_ALLOWED, 'Use GET or POST.', { status: 405 });
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
      await cacheInvalidation?.close();
      await queue.close();
      await redis?.close();
    },
  };
}

function httpErrorOf(status: number, fastifyCode: string | undefined, error: unknown): [ErrorCode, string] {
  if (status === 413) return [ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'];
  if (status === 415) return [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the operation as application/json.'];
  if (status === 404) return [ErrorCode.NOT_FOUND, 'Not found.'];
  if (status >= 400 && status < 500) {
    if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return [ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'];
    }
    return [ErrorCode.BAD_REQUEST, 'The request is malformed.'];
  }
  return [ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.'];
}
