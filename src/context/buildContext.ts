import { context as otelContext, propagation } from '@opentelemetry/api';
import type { Viewer } from '../auth/Viewer.js';
import { identityHeaders } from '../auth/signIdentity.js';
import type { BffConfig } from '../config/loadConfig.js';
import { CallScope } from '../datasources/CallScope.js';
import type { Backends } from '../datasources/createBackends.js';
import { createLoaders } from '../loaders/createLoaders.js';
import type { Logger } from '../observability/createLogger.js';
import type { LiveScope } from '../subscriptions/LiveScope.js';
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
  /** The incoming W3C `traceparent`, passed on when no tracer continues it. */
  traceparent: string | undefined;
  /** The client sent `x-bff-debug: fanout`. */
  wantsFanout: boolean;
  /** For a subscription: its sources and follower. */
  live?: LiveScope;
}

export interface ContextDeps {
  config: BffConfig;
  backends: Backends;
}

/**
 * The only place a request's context is made: identity headers signed once, the deadline
 * fixed once, one fan-out recorder, one loader set.
 *
 * @returns a frozen BffContext.
 */
export function buildContext(input: BuildContextInput, deps: ContextDeps): BffContext {
  const { config, backends } = deps;
  const propagated = identityHeaders(input.viewer, input.requestId, config.identitySecret, input.startedAt);
  // With the OpenTelemetry SDK started (src/observability/tracing), its undici, http and gRPC
  // instrumentations inject each backend call's own client span into its headers or metadata;
  // adding the request's span here too would send two traceparent values. Without the SDK the
  // API injects nothing, and the caller's own traceparent is passed through as-is.
  const active: Record<string, string> = {};
  propagation.inject(otelContext.active(), active);
  if (active.traceparent === undefined && input.traceparent !== undefined) propagated.traceparent = input.traceparent;

  const fanout = new FanoutRecorder();
  const concurrency = config.upstream.concurrencyPerRequest;
  const scope = new CallScope(
    input.requestId,
    propagated,
    input.startedAt + config.requestTimeoutMs,
    input.signal,
    fanout,
    { users: concurrency, catalog: concurrency, orders: concurrency, inventory: concurrency, reviews: concurrency },
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
    ...(input.live && { live: input.live }),
  });
}
