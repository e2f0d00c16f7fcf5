import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Backends } from '../datasources/createBackends.js';
import type { BreakerStateName } from '../datasources/Upstream.js';
import { isKnownErrorCode } from '../errors/codes.js';
import { createOperationLabeler } from './createOperationLabeler.js';
import { processMetrics } from './processMetrics.js';
import type { RequestOutcome } from './RequestOutcome.js';

export interface MetricsOptions {
  /** The BFF's name: the `bff` label of every series. */
  bff: string;
  backends: Backends;
  /** Distinct operation names kept as labels before the rest become `other`. */
  maxOperations: number;
  /** GraphQL requests in flight now (from the load shedder). */
  inFlight: () => number;
  /** The process's Redis client, when REDIS_URL is set: `bff_redis_connected` follows it. */
  redis?: { readonly isReady: boolean } | undefined;
  /** More series to serve beside these (e.g. the subscription transports'). */
  registries?: Registry[];
}

export interface FinishedRequest {
  /** The viewer's client (`mobile`, `web`, a partner's name), `unknown` when rejected before authentication. */
  client: string;
  status: number;
  seconds: number;
  outcome: RequestOutcome;
}

export interface Metrics {
  /** This server's series and the process's, labelled with `bff`. */
  readonly registry: Registry;
  /** Counts one finished request: a few counter increments, no allocation beyond the labels. */
  observeRequest(request: FinishedRequest): void;
}

const BREAKER_STATES: readonly BreakerStateName[] = ['closed', 'half_open', 'open', 'isolated'];

/**
 * The Prometheus metrics of one server, in a registry of its own (a process may build several
 * servers, as the tests do), merged with the process-wide ones. Label values are bounded:
 * clients come from configuration, operations through `createOperationLabeler`, error codes
 * from the closed set (anything else is `OTHER`).
 *
 * @returns the registry to serve on `/metrics` and the hook that counts finished requests.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const own = new Registry();
  const registers = [own];
  const requests = new Counter({
    name: 'bff_requests_total',
    help: 'HTTP requests answered, by client, operation and status.',
    labelNames: ['client', 'operation', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'bff_request_duration_seconds',
    help: 'Time to answer a request, by client and operation.',
    labelNames: ['client', 'operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({ name: 'bff_errors_total', help: 'Errors in responses, by code.', labelNames: ['code'], registers });
  const rateLimited = new Counter({
    name: 'bff_rate_limited_total',
    help: 'Requests rejected by a rate limit (429), by the limit that rejected them.',
    labelNames: ['limit'],
    registers,
  });
  const shed = new Counter({
    name: 'bff_shed_total',
    help: 'Requests shed with 503 OVERLOADED, by reason.',
    labelNames: ['reason'],
    registers,
  });
  new Gauge({
    name: 'bff_in_flight_requests',
    help: 'GraphQL requests being answered now.',
    registers,
    collect() {
      this.set(options.inFlight());
    },
  });
  new Gauge({
    name: 'bff_upstream_breaker_state',
    help: 'Circuit breaker state per backend: 1 for the current state, 0 for the others.',
    labelNames: ['backend', 'state'],
    registers,
    collect() {
      for (const upstream of options.backends.upstreams) {
        const current = upstream.breakerState;
        for (const state of BREAKER_STATES) this.set({ backend: upstream.name, state }, state === current ? 1 : 0);
      }
    },
  });

  new Counter({
    name: 'bff_upstream_breaker_opens_total',
    help: "Times a backend's circuit breaker opened, by the code of the last fault it counted (why it opened).",
    labelNames: ['backend', 'last_fault'],
    registers,
    collect() {
      // The breakers count; this mirrors them at scrape time (codes come from the closed set).
      this.reset();
      for (const upstream of options.backends.upstreams) {
        for (const [code, n] of upstream.opensByLastFault) {
          this.inc({ backend: upstream.name, last_fault: isKnownErrorCode(code) ? code : 'OTHER' }, n);
        }
      }
    },
  });
  const redis = options.redis;
  if (redis) {
    new Gauge({
      name: 'bff_redis_connected',
      help: 'Whether the Redis client is connected (1) or not (0). Reported, never a readiness gate.',
      registers,
      collect() {
        this.set(redis.isReady ? 1 : 0);
      },
    });
  }

  const registry = Registry.merge([own, processMetrics(), ...(options.registries ?? [])]);
  registry.setDefaultLabels({ bff: options.bff });
  const operationLabel = createOperationLabeler(options.maxOperations);

  return {
    registry,
    observeRequest({ client, status, seconds, outcome }) {
      const operation = operationLabel(outcome.operationName, outcome.operationType !== undefined);
      requests.inc({ client, operation, status });
      duration.observe({ client, operation }, seconds);
      for (const code of outcome.errorCodes) errors.inc({ code: isKnownErrorCode(code) ? code : 'OTHER' });
      for (const decision of outcome.rateLimits) if (!decision.allowed) rateLimited.inc({ limit: decision.limit });
      if (outcome.shed !== undefined) shed.inc({ reason: outcome.shed });
    },
  };
}
