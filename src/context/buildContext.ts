import { context as otelContext, propagation } from '@opentelemetry/api';
import type { Viewer } from '../auth/Viewer.js';
import { callSigner, identityHeaders } from '../auth/signIdentity.js';
import type { BffConfig } from '../config/loadConfig.js';
import { CallScope } from '../datasources/CallScope.js';
import type { Backends } from '../datasources/createBackends.js';
import type { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import { createLoaders } from '../loaders/createLoaders.js';
import { REQUEST_STATE, type RequestState } from '../http/requestState.js';
import type { Logger } from '../observability/createLogger.js';
import { validTraceparent } from '../observability/tracing/validTraceparent.js';
import type { LiveScope } from '../subscriptions/LiveScope.js';
import type { RouteDecision } from '../routing/createRouter.js';
import type { BffContext } from './BffContext.js';
import { FanoutRecorder } from './FanoutRecorder.js';

export interface BuildContextInput {
  requestId: string;
  viewer: Viewer;
  log: Logger;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** When the request arrived (epoch ms): its budget counts from here. */
  startedAt: number;
  /** The incoming `traceparent` as sent; passed on, when valid, if no tracer continues it. */
  traceparent: string | undefined;
  /** The client sent `x-bff-debug: fanout`. */
  wantsFanout: boolean;
  /** The client's `Idempotency-Key` header. */
  idempotencyKey?: string | undefined;
  /** The request's routing (src/routing): its variants and the backend instances they call. */
  routing?: RouteDecision | undefined;
  /** For a subscription: its sources and follower. */
  live?: LiveScope;
  /**
   * The record of the HTTP request the context is for: the operation's steps reach it through
   * the context (requestStateOf), and its outcome counts the context's backend calls.
   */
  state?: RequestState;
}

const NO_ROUTING: Readonly<Record<string, string>> = Object.freeze({});

export interface ContextDeps {
  config: BffConfig;
  backends: Backends;
  queued: QueuedWrites;
}

/**
 * The only place a request's context is made: identity headers built once (each call signs
 * them for itself, through the scope), the deadline
 * fixed once, one fan-out recorder, one loader set.
 *
 * @returns a frozen BffContext.
 */
export function buildContext(input: BuildContextInput, deps: ContextDeps): BffContext {
  const { config } = deps;
  const backends = input.routing?.backends ?? deps.backends;
  const propagated = identityHeaders(input.viewer, input.requestId);
  const sign = callSigner(config.identitySecret, propagated);
  // With the OpenTelemetry SDK started (src/observability/tracing), its undici, http and gRPC
  // instrumentations inject each backend call's own client span into its headers or metadata;
  // adding the request's span here too would send two traceparent values. Without the SDK the
  // API injects nothing, and the caller's own traceparent is passed through when it is a valid
  // W3C one (anything else starts a new trace: no traceparent at all).
  const active: Record<string, string> = {};
  propagation.inject(otelContext.active(), active);
  const traceparent = active.traceparent === undefined ? validTraceparent(input.traceparent) : undefined;
  if (traceparent !== undefined) propagated.traceparent = traceparent;

  const fanout = new FanoutRecorder();
  if (input.state) input.state.fanout = fanout;
  fanout.routing = input.routing?.assignments;
  const concurrency = config.upstream.concurrencyPerRequest;
  const scope = new CallScope(
    input.requestId,
    propagated,
    input.startedAt + config.requestTimeoutMs,
    input.signal,
    fanout,
    { users: concurrency, catalog: concurrency, orders: concurrency, inventory: concurrency, reviews: concurrency },
    sign,
    input.routing?.backendVariants,
  );
  return Object.freeze({
    requestId: input.requestId,
    viewer: input.viewer,
    log: input.log,
    signal: input.signal,
    loaders: createLoaders(backends, scope, config.batching),
    backends,
    scope,
    now: input.startedAt,
    emitFanout: input.wantsFanout && config.fanoutDebug,
    queued: deps.queued,
    idempotencyKey: input.idempotencyKey,
    routing: input.routing?.assignments ?? NO_ROUTING,
    ...(input.live && { live: input.live }),
    ...(input.state && { [REQUEST_STATE]: input.state }),
  });
}
