import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionArgs, ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Server as WsProtocol, SubscribePayload } from 'graphql-ws';
import { decodeJwt } from 'jose/jwt/decode';
import { Counter, Gauge, Registry } from 'prom-client';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/createAuthenticator.js';
import type { Viewer } from '../auth/Viewer.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { buildContext } from '../context/buildContext.js';
import type { Backends } from '../datasources/createBackends.js';
import { asBffError, BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { Logger } from '../observability/createLogger.js';
import type { OperationGate } from '../http/gateOperation.js';
import { replyError as sendError } from '../http/replyError.js';
import { RequestState } from '../http/requestState.js';
import { logUnexpectedErrors, maskError } from '../operation/formatResult.js';
import type { OperationPipeline } from '../operation/OperationPipeline.js';
import { createSubscriptionPath, type CheckedSubscription } from '../operation/subscriptionPath.js';
import type { AdmitUpgrade } from './admitUpgrade.js';
import { CloseCode } from './closeCodes.js';
import type { LiveSources } from './LiveScope.js';
import type { SubscriptionLimits } from './subscriptionLimits.js';
import type { QueuedWrites } from '../datasources/queue/QueuedWrites.js';

export interface SubscriptionServerOptions {
  app: FastifyInstance;
  /** The operation pipeline HTTP runs: each subscribe is prepared and checked by it, each event executed. */
  pipeline: OperationPipeline;
  config: BffConfig;
  backends: Backends;
  /** Queued writes, for the context of a subscription's resolvers (as on HTTP). */
  queued: QueuedWrites;
  log: Logger;
  authenticate: Authenticator;
  /** The same operation gate as HTTP: safelist first, then the document's shape. */
  admitOperation: OperationGate;
  /** The client's safelisted operations by SHA-256, for a subscribe that sends only the hash. */
  operations: ReadonlyMap<string, string>;
  limits: SubscriptionLimits;
  /** Load shedding of new connections (WS upgrades, SSE streams): 503 before the handshake. Default: admit. */
  admitUpgrade?: AdmitUpgrade;
  /** `drain()` (optional) stops the upstreams but leaves followers their accepted events; `close()` ends everything. */
  sources: LiveSources & { close(): void; drain?(): void; readonly openUpstreams: number };
}

export interface SubscriptionServer {
  /** The transports' metrics, merged into /metrics. */
  readonly registry: Registry;
  /** Connections (WS and SSE) open now. */
  readonly connections: number;
  /**
   * Refuses new connections (503) and closes the upstreams (nothing more is accepted), lets
   * each open connection send the events already accepted for it (queued, being executed or
   * being written), then closes WebSockets with 1001 (going away) and ends SSE streams;
   * clients reconnect elsewhere.
   */
  close(): Promise<void>;
}

/** The path of GraphQL over SSE (distinct connections mode); WebSockets upgrade on /graphql. */
export const SSE_PATH = '/graphql/stream';

/**
 * Serves GraphQL subscriptions over WebSocket (`graphql-transport-ws`, the protocol of
 * graphql-ws, Apollo Client's GraphQLWsLink and Apollo Sandbox) on /graphql and over SSE
 * (graphql-sse, distinct connections mode) on /graphql/stream, with the edge rules of HTTP:
 *
 * - credentials in `connection_init` (`{ "Authorization": "Bearer …", "x-api-key": … }`; the
 *   upgrade's own headers otherwise), checked by the same authenticator; a refusal closes the
 *   socket with the HTTP status as a 44xx code, and the token's expiry closes it with 4410;
 * - per subscription: the same operation gate (safelist, shape limits), then the operation
 *   pipeline's prepare and check (cost, `@auth`, variables, argument limits, the BFF's own
 *   checks; only subscriptions), refused with the codes HTTP answers, as a graphql-ws `error`
 *   message or an SSE `next` event with `errors` (src/operation/subscriptionPath.ts);
 * - limits per connection (subscriptions, messages per second, buffered events and bytes), per
 *   user (connections) and per process (connections), keepalive pings, idle and max-lifetime
 *   timeouts (close codes in closeCodes.ts).
 *
 * Each event is executed by the pipeline's executor with a fresh context (loaders, deadline), so
 * nothing a previous event loaded is served stale, and a long subscription never runs out of a
 * request's budget.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { app, pipeline, config, backends, queued, log, authenticate, admitOperation, limits, sources } = options;
  const { schema } = pipeline;
  const operations = createSubscriptionPath(pipeline);
  const registry = new Registry();
  const registers = [registry];
  const connectionsGauge = new Gauge({
    name: 'bff_subscription_connections',
    help: 'Subscription connections open, by transport.',
    labelNames: ['transport'],
    registers,
  });
  const activeGauge = new Gauge({
    name: 'bff_subscriptions_active',
    help: 'Subscriptions running, by root field.',
    labelNames: ['field'],
    registers,
  });
  const eventsOut = new Counter({
    name: 'bff_subscription_events_total',
    help: 'Subscription events sent, by root field.',
    labelNames: ['field'],
    registers,
  });
  const drops = new Counter({
    name: 'bff_subscription_drops_total',
    help: 'Subscription connections refused or cut off by the server, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const streams = new Set<{ readonly backlog?: number }>();
  new Gauge({
    name: 'bff_subscription_events_queued',
    help: 'Events accepted from upstreams and waiting for their subscriber (a slow consumer shows here first).',
    registers,
    collect() {
      let queued = 0;
      for (const stream of streams) queued += stream.backlog ?? 0;
      this.set(queued);
    },
  });
  new Gauge({
    name: 'bff_upstream_streams_open',
    help: 'Upstream streams open (shared by every follower of one topic).',
    registers,
    collect() {
      this.set(sources.openUpstreams);
    },
  });

  const connections = new Set<Connection>();
  const perUser = new Map<string, number>();
  let draining = false;
  let nextId = 0;

  // --- one pipeline for both transports -------------------------------------------------------

  /** An error as the client gets it: masked as over HTTP (maskError), with the subscription's request id, without HTTP's status. */
  const format = (error: GraphQLError, requestId: string): GraphQLFormattedError => {
    const formatted = maskError(error.toJSON(), error, pipeline.format.mask);
    const { http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, requestId } };
  };
  const formatErrors = (errors: readonly GraphQLError[], requestId: string) => errors.map((error) => format(error, requestId));
  const formatResult = (result: ExecutionResult, requestId: string): ExecutionResult =>
    result.errors ? ({ ...result, errors: formatErrors(result.errors, requestId) } as unknown as ExecutionResult) : result;

  /** @returns the execution arguments of one subscribe, or why it is refused. */
  async function prepare(
    connection: Connection,
    headers: IncomingHttpHeaders,
    payload: SubscribePayload & { extensions?: unknown },
    subscriptionId: string,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const requestId = `${connection.id}:${subscriptionId}`;
    let query = typeof payload.query === 'string' && payload.query !== '' ? payload.query : undefined;
    const { refusal, hash } = admitOperation({ query, operationName: payload.operationName, extensions: payload.extensions }, requestId);
    if (refusal) return [BffError.request(refusal.code, refusal.message, { extensions: refusal.extensions })];
    if (query === undefined) {
      query = hash ? options.operations.get(hash) : undefined;
      if (query === undefined) return [BffError.request(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound')];
    }
    const viewer = connection.viewer!;
    // The same steps as an HTTP operation's (src/operation), with a record of its own.
    const state = new RequestState(requestId, Date.now(), headers, connection.address);
    state.viewer = viewer;
    const variables = (payload.variables ?? {}) as Record<string, unknown>;
    const checked = await operations.check({ query, operationName: payload.operationName, variables, hash: hash! }, state, viewer);
    if (Array.isArray(checked)) return checked;
    const live = {
      sources,
      follower: {
        viewer,
        requestId,
        maxQueued: limits.maxQueuedEvents,
        onOverflow: () =>
          connection.cut(CloseCode.SLOW_CONSUMER, 'slow_consumer', `Slow consumer: more than ${limits.maxQueuedEvents} events waiting.`),
      },
    };
    const contextFor = (startedAt: number): BffContext =>
      buildContext(
        {
          requestId,
          viewer,
          log: log.child({ requestId }),
          signal: connection.signal,
          startedAt,
          traceparent: undefined,
          wantsFanout: false,
          live,
        },
        { config, backends, queued },
      );
    const subscription = checked as CheckedSubscription;
    const args: ExecutionArgs = {
      schema,
      document: subscription.prepared.document,
      operationName: subscription.prepared.name,
      variableValues: variables,
      contextValue: contextFor(Date.now()),
    };
    eventContexts.set(args.contextValue as BffContext, { contextFor, subscription, connection });
    return args;
  }

  const eventContexts = new WeakMap<
    BffContext,
    { contextFor: (startedAt: number) => BffContext; subscription: CheckedSubscription; connection: Connection }
  >();

  /**
   * graphql-js's `subscribe` (the source stream, then each event executed), except that each
   * event executes with a context of its own and by the pipeline's executor, and the stream's
   * `return()` reaches the source at once (an async generator would queue it behind the
   * pending `next()`, keeping the upstream open until the next event).
   */
  async function run(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const meta = eventContexts.get(args.contextValue as BffContext)!;
    const field = meta.subscription.field;
    const source = await operations.subscribe(meta.subscription, args.contextValue as BffContext);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() as AsyncIterator<unknown> & { readonly backlog?: number };
    const { connection } = meta;
    activeGauge.inc({ field });
    streams.add(iterator);
    connection.subscriptions++;
    connection.touch();
    let finished = false;
    // An event taken from the source stays in hand until the transport asks for the next one
    // (graphql-ws asks once the previous one was written): what a drain waits for.
    let holding = false;
    const release = () => {
      if (!holding) return;
      holding = false;
      connection.working--;
      connection.check();
    };
    const finish = () => {
      release();
      if (finished) return;
      finished = true;
      streams.delete(iterator);
      activeGauge.dec({ field });
      connection.subscriptions--;
      connection.touch();
    };
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        release();
        const step = await iterator.next();
        if (step.done) {
          finish();
          return { value: undefined, done: true };
        }
        holding = true;
        connection.working++;
        eventsOut.inc({ field });
        const context = meta.contextFor(Date.now());
        const result = await operations.execute(meta.subscription, step.value, context);
        // As over HTTP: what is masked is logged in full, under the id the client is sent.
        if (result.errors) logUnexpectedErrors(context, result.errors);
        return { value: result, done: false };
      },
      async return() {
        finish();
        await iterator.return?.();
        return { value: undefined, done: true };
      },
      async throw(error: unknown) {
        finish();
        await iterator.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return mapped;
  }

  /** @returns the viewer of a connection, or closes it with the code its refusal maps to. */
  async function admitConnection(connection: Connection, headers: IncomingHttpHeaders): Promise<Viewer | undefined> {
    let viewer: Viewer;
    try {
      viewer = await authenticate(headers);
    } catch (error) {
      const refused = asBffError(error);
      log.info({ connectionId: connection.id, code: refused?.code, reason: refused?.reason }, 'subscription connection refused');
      if (refused?.code === ErrorCode.UNAUTHENTICATED) connection.cut(CloseCode.UNAUTHORIZED, 'unauthenticated', refused.message);
      else if (refused?.code === ErrorCode.FORBIDDEN) connection.cut(CloseCode.FORBIDDEN, 'forbidden', refused.message);
      else connection.cut(CloseCode.TRY_AGAIN_LATER, 'identity_provider', refused?.message ?? 'Try again later.');
      return undefined;
    }
    const key =
      viewer.userId !== undefined
        ? `user:${viewer.userId}`
        : viewer.kind === 'apiKey'
          ? `client:${viewer.client}`
          : `address:${connection.address}`;
    const count = perUser.get(key) ?? 0;
    if (count >= limits.maxConnectionsPerUser) {
      connection.cut(CloseCode.TOO_MANY, 'connections_per_user', `Too many connections: at most ${limits.maxConnectionsPerUser} per user.`);
      return undefined;
    }
    perUser.set(key, count + 1);
    connection.userKey = key;
    connection.viewer = viewer;
    // Re-checked when the token expires: the connection outlives no token.
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (viewer.kind === 'user' && bearer) {
      const exp = decodeJwt(bearer).exp;
      if (exp !== undefined) {
        const left = exp * 1000 + config.auth.clockToleranceSeconds * 1000 - Date.now();
        connection.timer(Math.max(left, 0), () =>
          connection.cut(CloseCode.TOKEN_EXPIRED, 'token_expired', 'Token expired: reconnect with a fresh token.'),
        );
      }
    }
    return viewer;
  }

  class Connection {
    readonly id = `sub-${process.pid}-${++nextId}`;
    viewer: Viewer | undefined;
    userKey: string | undefined;
    subscriptions = 0;
    pendingSends = 0;
    /** Events taken from a source and not yet handed on by the transport (see run). */
    working = 0;
    private readonly controller = new AbortController();
    private readonly timers: NodeJS.Timeout[] = [];
    private idle: NodeJS.Timeout | undefined;
    private closed = false;
    private cutting = false;
    private settledWaiters: (() => void)[] = [];
    private window = { start: 0, count: 0 };

    constructor(
      readonly transport: 'ws' | 'sse',
      readonly address: string,
      private readonly closeTransport: (code: number, reason: string) => void,
      /** Whether the transport has written out everything handed to it. */
      private readonly flushed: () => boolean = () => true,
    ) {
      connections.add(this);
      connectionsGauge.inc({ transport });
      if (limits.maxLifetimeMs > 0) {
        this.timer(limits.maxLifetimeMs, () =>
          this.cut(CloseCode.MAX_LIFETIME, 'max_lifetime', 'Maximum connection lifetime reached: reconnect.'),
        );
      }
      this.touch();
    }

    get signal(): AbortSignal {
      return this.controller.signal;
    }

    timer(ms: number, run: () => void): void {
      const timer = setTimeout(run, Math.min(ms, 2_147_483_647));
      timer.unref();
      this.timers.push(timer);
    }

    /** Activity: restarts the idle timer while no subscription runs. */
    touch(): void {
      if (this.idle) clearTimeout(this.idle);
      this.idle = undefined;
      if (this.closed || limits.idleTimeoutMs === 0 || this.subscriptions > 0) return;
      this.idle = setTimeout(() => this.cut(CloseCode.IDLE, 'idle', 'Idle timeout.'), limits.idleTimeoutMs);
      this.idle.unref();
    }

    /** @returns whether one more client message fits in this second's budget (else the connection is cut). */
    admitMessage(): boolean {
      const now = Date.now();
      if (now - this.window.start >= 1000) this.window = { start: now, count: 0 };
      if (++this.window.count <= limits.maxMessagesPerSecond) return true;
      this.cut(CloseCode.TOO_MANY, 'messages_per_second', `Too many messages: at most ${limits.maxMessagesPerSecond} per second.`);
      return false;
    }

    /** Closes the connection on the server's initiative, counted as a drop. */
    cut(code: number, reason: string, message: string): void {
      // Once: messages already received after the first cut must not count more drops.
      if (this.closed || this.cutting) return;
      this.cutting = true;
      drops.inc({ reason });
      log.info({ connectionId: this.id, code, reason }, 'subscription connection closed by the server');
      this.closeTransport(code, message);
    }

    sent(): void {
      this.pendingSends--;
      this.check();
    }

    private get quiet(): boolean {
      return this.pendingSends === 0 && this.working === 0;
    }

    /** Wakes `settled()` waiters once the connection is quiet. */
    check(): void {
      if (this.settledWaiters.length === 0 || !this.quiet) return;
      // Let the transport pull the next queued event (it does so in microtasks) before deciding.
      setImmediate(() => {
        if (!this.quiet || this.settledWaiters.length === 0) return;
        // A transport that buffers itself (SSE) is asked again shortly.
        if (!this.flushed()) return void setTimeout(() => this.check(), 10).unref();
        const waiters = this.settledWaiters;
        this.settledWaiters = [];
        for (const waiter of waiters) waiter();
      });
    }

    /**
     * Resolves once every event accepted for this connection is out: none queued at its
     * sources (call after the sources' drain, so no new one arrives), none being executed,
     * none being written.
     */
    settled(): Promise<void> {
      return new Promise((resolve) => {
        this.settledWaiters.push(resolve);
        this.check();
      });
    }

    /** The transport closed: release everything the connection held. */
    dispose(): void {
      if (this.closed) return;
      this.closed = true;
      this.controller.abort();
      for (const timer of this.timers) clearTimeout(timer);
      if (this.idle) clearTimeout(this.idle);
      connections.delete(this);
      connectionsGauge.dec({ transport: this.transport });
      if (this.userKey) {
        const left = (perUser.get(this.userKey) ?? 1) - 1;
        if (left > 0) perUser.set(this.userKey, left);
        else perUser.delete(this.userKey);
      }
      for (const waiter of this.settledWaiters) waiter();
      this.settledWaiters = [];
    }
  }

  /** What graphql-ws passes each hook of a WebSocket connection. */
  interface WsExtra {
    connection: Connection;
    request: IncomingMessage;
  }

  interface Transports {
    protocol: WsProtocol<WsExtra>;
    wss: WebSocketServer;
    sse: ReturnType<typeof import('graphql-sse/lib/use/fastify').createHandler>;
  }

  // --- the transports' libraries, loaded on the first connection --------------------------------

  /**
   * ws, graphql-ws and graphql-sse load with the first WebSocket upgrade or SSE request, not at
   * start: a process whose clients never subscribe does not keep them in memory (~0.35 MB of
   * heap and their code; docs/performance.md, "Memory"). Once loaded, connections are served
   * synchronously, as before.
   */
  let transports: Transports | undefined;
  let loadingTransports: Promise<Transports> | undefined;
  function loadTransports(): Promise<Transports> {
    loadingTransports ??= Promise.all([import('ws'), import('graphql-ws'), import('graphql-sse/lib/use/fastify')]).then(
      ([ws, graphqlWs, graphqlSse]) => {
        transports = {
          protocol: createWsProtocol(graphqlWs.makeServer),
          wss: new ws.WebSocketServer({
            noServer: true,
            maxPayload: limits.maxMessageBytes,
            handleProtocols: (protocols) => graphqlWs.handleProtocols(protocols),
          }),
          sse: createSse(graphqlSse.createHandler),
        };
        return transports;
      },
      (error: unknown) => {
        loadingTransports = undefined; // the next connection tries again
        throw error;
      },
    );
    return loadingTransports;
  }

  // --- GraphQL over WebSocket -----------------------------------------------------------------

  const createWsProtocol = (makeServer: typeof import('graphql-ws').makeServer) =>
    makeServer<Record<string, unknown>, WsExtra>({
      schema,
      connectionInitWaitTimeout: limits.initTimeoutMs,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const headers: IncomingHttpHeaders = { ...ctx.extra.request.headers };
        for (const [name, value] of Object.entries(params)) {
          const lower = name.toLowerCase();
          if ((lower === 'authorization' || lower === 'x-api-key') && typeof value === 'string') headers[lower] = value;
        }
        // Only credentials count; cookies of the upgrade are not a credential here.
        const viewer = await admitConnection(ctx.extra.connection, {
          authorization: headers.authorization,
          'x-api-key': headers['x-api-key'],
        });
        return !!viewer;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.connection;
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          drops.inc({ reason: 'subscriptions_per_connection' });
          return [
            BffError.request(
              ErrorCode.RATE_LIMITED,
              `Too many subscriptions: at most ${limits.maxSubscriptionsPerConnection} per connection.`,
            ),
          ];
        }
        const prepared = await prepare(connection, ctx.extra.request.headers, payload, id);
        return Array.isArray(prepared) ? [...prepared] : (prepared as ExecutionArgs);
      },
      subscribe: run as never,
      onNext: (ctx, id, _payload, _args, result) => formatResult(result as ExecutionResult, `${ctx.extra.connection.id}:${id}`),
      onError: (ctx, id, _payload, errors) => formatErrors(errors, `${ctx.extra.connection.id}:${id}`),
    });

  function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string, retryAfterSeconds?: number): void {
    const body = JSON.stringify({
      errors: [{ message, extensions: { code, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) } }],
    });
    const retryAfter = retryAfterSeconds !== undefined ? `retry-after: ${retryAfterSeconds}\r\n` : '';
    socket.end(
      `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${retryAfter}connection: close\r\n\r\n${body}`,
    );
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if ((request.url ?? '').split('?')[0] !== '/graphql')
      return refuseUpgrade(socket, 404, ErrorCode.NOT_FOUND, 'WebSockets are served on /graphql only.');
    if (draining) return refuseUpgrade(socket, 503, ErrorCode.OVERLOADED, 'The server is shutting down.');
    const shed = options.admitUpgrade?.();
    if (shed) {
      drops.inc({ reason: shed.reason });
      return refuseUpgrade(socket, shed.status, shed.code, shed.message, shed.retryAfterSeconds);
    }
    if (connections.size >= limits.maxConnections) {
      drops.inc({ reason: 'server_full' });
      return refuseUpgrade(socket, 503, ErrorCode.OVERLOADED, 'Too many subscription connections; try again later.');
    }
    if (transports) return upgrade(transports, request, socket, head);
    loadTransports().then(
      (loaded) => {
        if (draining) return refuseUpgrade(socket, 503, ErrorCode.OVERLOADED, 'The server is shutting down.');
        upgrade(loaded, request, socket, head);
      },
      (error: unknown) => {
        log.error({ err: error }, 'subscriptions: loading the WebSocket transport failed');
        refuseUpgrade(socket, 503, ErrorCode.OVERLOADED, 'Subscriptions are unavailable; try again later.');
      },
    );
  }

  function upgrade({ wss, protocol }: Transports, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request, protocol));
  }

  function accept(ws: WebSocket, request: IncomingMessage, protocol: WsProtocol<WsExtra>): void {
    const connection = new Connection('ws', request.socket.remoteAddress ?? 'unknown', (code, reason) => ws.close(code, reason));
    let awaitingPong = false;
    const ping =
      limits.keepAliveMs > 0
        ? setInterval(() => {
            if (awaitingPong) {
              drops.inc({ reason: 'keepalive' });
              log.info({ connectionId: connection.id, reason: 'keepalive' }, 'subscription connection dropped: no pong');
              return ws.terminate();
            }
            awaitingPong = true;
            ws.ping();
          }, limits.keepAliveMs)
        : undefined;
    ping?.unref();
    ws.on('pong', () => (awaitingPong = false));
    ws.on('error', (error) => log.warn({ connectionId: connection.id, err: error }, 'subscription socket error'));
    const closed = protocol.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (ws.readyState !== ws.OPEN) return resolve();
            if (ws.bufferedAmount > limits.maxBufferedBytes) {
              connection.cut(CloseCode.SLOW_CONSUMER, 'slow_consumer', `Slow consumer: more than ${limits.maxBufferedBytes} bytes unsent.`);
              return resolve();
            }
            connection.pendingSends++;
            ws.send(data, () => {
              connection.sent();
              resolve();
            });
          }),
        close: (code, reason) => ws.close(code, reason),
        onMessage: (callback) =>
          ws.on('message', (data) => {
            if (!connection.admitMessage()) return;
            connection.touch();
            callback(String(data)).catch((error: unknown) => {
              log.error({ connectionId: connection.id, err: error }, 'subscription message failed');
              ws.close(4500, 'Internal server error');
            });
          }),
      },
      { connection, request },
    );
    ws.once('close', (code, reason) => {
      if (ping) clearInterval(ping);
      connection.dispose();
      void closed(code, String(reason));
    });
  }

  // --- GraphQL over SSE (distinct connections mode) -------------------------------------------

  const sseConnections = new WeakMap<FastifyRequest, Connection>();
  /** Refusals of a subscribe, which go out without the `data` graphql-sse needs to see in them. */
  const sseRefusals = new WeakSet<ExecutionResult>();
  const createSse = (createSseHandler: typeof import('graphql-sse/lib/use/fastify').createHandler) =>
    createSseHandler({
      schema,
      onSubscribe: async (req, params) => {
        const connection = sseConnections.get(req.raw)!;
        const prepared = await prepare(connection, req.raw.headers, params as SubscribePayload, 'sse');
        if (!Array.isArray(prepared)) return prepared as never;
        // Sent as the stream's one `next` event (formatted by onNext), then `complete`, as
        // graphql-sse sends validation errors. graphql-sse takes an object for a result only
        // when it has `data` (without it, the refusal would be read as execution arguments).
        const refusal: ExecutionResult = { data: null, errors: prepared };
        sseRefusals.add(refusal);
        return refusal;
      },
      subscribe: run as never,
      execute: (args) => run(args) as never,
      onNext: (_ctx, req, result) => {
        const connection = sseConnections.get(req.raw);
        const reply = req.context.reply;
        if (connection && reply.raw.writableLength > limits.maxBufferedBytes) {
          connection.cut(CloseCode.SLOW_CONSUMER, 'slow_consumer', 'Slow consumer.');
        }
        const requestId = `${connection?.id}:sse`;
        if (sseRefusals.has(result as ExecutionResult))
          return { errors: formatErrors((result as ExecutionResult).errors!, requestId) } as never;
        return formatResult(result as ExecutionResult, requestId);
      },
    });

  if (limits.enabled)
    app.route({
      method: ['GET', 'POST'],
      url: SSE_PATH,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!(request.headers.accept ?? '').includes('text/event-stream')) {
          return sendError(
            reply,
            request,
            ErrorCode.BAD_REQUEST,
            'Ask for text/event-stream (GraphQL over SSE, distinct connections mode).',
            { status: 400 },
          );
        }
        if (draining) return sendError(reply, request, ErrorCode.OVERLOADED, 'The server is shutting down.', { status: 503 });
        const shed = options.admitUpgrade?.();
        if (shed) {
          drops.inc({ reason: shed.reason });
          const { retryAfterSeconds } = shed;
          return sendError(
            reply,
            request,
            shed.code,
            shed.message,
            { status: shed.status, headers: { 'retry-after': String(retryAfterSeconds) } },
            { retryAfterSeconds },
          );
        }
        if (connections.size >= limits.maxConnections) {
          drops.inc({ reason: 'server_full' });
          return sendError(reply, request, ErrorCode.OVERLOADED, 'Too many subscription connections; try again later.', { status: 503 });
        }
        let refusedWith: { code: number; message: string } | undefined;
        const connection = new Connection(
          'sse',
          request.ip,
          (code, message) => {
            refusedWith = { code, message };
            if (reply.raw.headersSent) reply.raw.destroy();
          },
          () => reply.raw.writableLength === 0,
        );
        reply.raw.once('close', () => connection.dispose());
        const viewer = await admitConnection(connection, request.headers);
        if (!viewer) {
          connection.dispose();
          const status =
            refusedWith?.code === CloseCode.UNAUTHORIZED
              ? 401
              : refusedWith?.code === CloseCode.FORBIDDEN
                ? 403
                : refusedWith?.code === CloseCode.TOO_MANY
                  ? 429
                  : 503;
          const code =
            status === 401
              ? ErrorCode.UNAUTHENTICATED
              : status === 403
                ? ErrorCode.FORBIDDEN
                : status === 429
                  ? ErrorCode.RATE_LIMITED
                  : ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE;
          return sendError(reply, request, code, refusedWith?.message ?? 'Refused.', { status });
        }
        request.state.viewer = viewer;
        sseConnections.set(request, connection);
        // graphql-sse writes the response itself.
        const { sse } = transports ?? (await loadTransports());
        await sse(request, reply);
        return reply;
      },
    });

  if (limits.enabled) app.server.on('upgrade', onUpgrade);

  return {
    registry,
    get connections() {
      return connections.size;
    },
    async close() {
      draining = true;
      app.server.off('upgrade', onUpgrade);
      // A client that stops reading must not hold the process: past the shutdown deadline
      // (SHUTDOWN_TIMEOUT_MS, the same as HTTP's) what is left is closed without waiting.
      let expired = false;
      const deadline = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          expired = true;
          resolve();
        }, config.shutdownTimeoutMs);
        timer.unref();
      });
      // Nothing more is accepted from upstream; what was accepted is still delivered.
      sources.drain?.();
      await Promise.all(
        [...connections].map(async (connection) => {
          await Promise.race([connection.settled(), deadline]);
          connection.cut(CloseCode.GOING_AWAY, expired ? 'drain_deadline' : 'drain', 'Server shutting down.');
        }),
      );
      sources.close();
      // An upgrade still loading the transports is refused once they are loaded (draining).
      const wss = loadingTransports ? (await loadingTransports.catch(() => undefined))?.wss : undefined;
      if (!wss) return;
      await Promise.race([
        deadline,
        new Promise<void>((resolve) => {
          if (wss.clients.size === 0) return resolve();
          for (const client of wss.clients) client.once('close', () => wss.clients.size === 0 && resolve());
        }),
      ]);
      // Sockets whose peer never answered the close frame.
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
