import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ErrorCode } from '../errors/codes.js';
import type { ShedReason } from '../observability/RequestOutcome.js';
import { createAdmission, type Admission, type Permit } from '../traffic/createAdmission.js';
import { createOperationClassifier, type OperationClassifier } from '../traffic/createOperationClassifier.js';
import { PRIORITY_CLASSES, type PriorityClass } from '../traffic/PriorityClass.js';
import type { TrafficSettings } from '../traffic/loadTrafficSettings.js';
import { replyError } from './replyError.js';

export interface LoadShedderOptions {
  /** The route whose requests are admitted or shed (probes and `/metrics` never are). */
  url: string;
  settings: TrafficSettings;
  /** The BFF's own classes by operation name; `settings.classes` (TRAFFIC_CLASSES) override them. */
  classes?: Readonly<Record<string, PriorityClass>>;
  /** The client's manifest (document by SHA-256): classes belong to its documents. */
  operations: ReadonlyMap<string, string>;
  /** Event-loop utilization (0..1) over the last window above which all but critical requests are shed; default off. */
  maxEventLoopUtilization?: number;
  /** Length of the utilization window. Default 100 ms. */
  eluWindowMs?: number;
  /**
   * Called when the response of an admitted request closes (finished or not), from the one
   * `'close'` listener admission already has: other per-request close work (cancellation)
   * shares it instead of adding a listener of its own to every response.
   */
  onClose?: (request: FastifyRequest, reply: FastifyReply) => void;
}

export interface LoadShedder {
  /** Requests of the route being answered now. */
  readonly inFlight: number;
  /** The admission state (limit, pressure); undefined when admission is off (`SHED_MAX_IN_FLIGHT=0`). */
  readonly admission: Admission | undefined;
  /**
   * Why a new subscription connection would be refused now, or undefined (src/subscriptions/admitUpgrade.ts):
   * a busy event loop, or admission under pressure (a connection is admitted like a sheddable request).
   */
  shedReason(): ShedReason | undefined;
  /** Adds the admission metrics to the BFF's registry. */
  register(registry: Registry): void;
  /** Stops the utilization sampler. */
  close(): void;
}

/** What admission holds for one request (kept on its RequestState). */
export interface PendingAdmission {
  permit: Permit | undefined;
  /** The class came from a claim (a header) or from nothing yet: the body decides. */
  verify: boolean;
}

/**
 * The stage that sheds load — priority admission at the edge: an adaptive
 * concurrency limit (createGradientLimit) shared by the process, and the lowest priority class
 * refused first (createAdmission) with 503 OVERLOADED and `retry-after`.
 *
 * Where the class is known before the body, the decision is taken in `onRequest`, before the body
 * is read: a GET's query string holds the persisted hash or document; a POST may name its
 * operation in `x-apollo-operation-name` (Apollo iOS and Kotlin send it). That claim is checked
 * in `preValidation`, once the body is parsed: a request whose document is of a lower class is
 * counted as such and shed if that class is full. A POST with no claim is decided there too.
 *
 * @returns the live in-flight count and limit (for the metrics) and a `close` for shutdown.
 */
export function shedLoad(app: FastifyInstance, options: LoadShedderOptions): LoadShedder {
  const { url, settings, maxEventLoopUtilization } = options;
  const { retryAfterSeconds } = settings;
  const off = settings.limit.max === 0;
  const admission = off
    ? undefined
    : createAdmission({
        limit: settings.limit,
        shares: settings.priority ? { critical: 1, ...settings.shares } : { critical: 1, normal: 1, sheddable: 1 },
      });
  const classifier: OperationClassifier = settings.priority
    ? createOperationClassifier({
        operations: options.operations,
        classes: { ...options.classes, ...settings.classes },
        manifestClass: settings.manifestClass,
        unknownClass: settings.unknownClass,
      })
    : { hint: () => ({ priority: 'normal', final: true }), classify: () => 'normal' };
  const shedByClass = new Map<PriorityClass, number>(PRIORITY_CLASSES.map((c) => [c, 0]));
  let inFlight = 0;
  let utilization = 0;
  let sampler: NodeJS.Timeout | undefined;
  if (maxEventLoopUtilization !== undefined) {
    let last = performance.eventLoopUtilization();
    // A timer that is late because the loop was busy measures exactly that busy stretch.
    sampler = setInterval(() => {
      const now = performance.eventLoopUtilization();
      utilization = performance.eventLoopUtilization(now, last).utilization;
      last = now;
    }, options.eluWindowMs ?? 100);
    sampler.unref();
  }

  const shed = (request: FastifyRequest, reply: FastifyReply, priority: PriorityClass, reason: ShedReason): void => {
    request.state.shed = reason;
    shedByClass.set(priority, shedByClass.get(priority)! + 1);
    replyError(
      reply,
      request,
      ErrorCode.OVERLOADED,
      'The server is overloaded; retry shortly.',
      { status: 503, headers: { 'retry-after': String(retryAfterSeconds) } },
      { retryAfterSeconds },
    );
  };
  /** @returns a permit, or undefined after answering 503. (`null` when admission is off.) */
  const acquire = (request: FastifyRequest, reply: FastifyReply, priority: PriorityClass): Permit | null | undefined => {
    if (maxEventLoopUtilization !== undefined && priority !== 'critical' && utilization > maxEventLoopUtilization) {
      shed(request, reply, priority, 'event_loop');
      return undefined;
    }
    if (!admission) return null;
    const permit = admission.tryAcquire(priority);
    if (!permit) shed(request, reply, priority, 'in_flight');
    return permit;
  };

  // Callback hooks, not async ones: fastify then needs no promise and microtask for them on
  // every request. A shed request is answered here and `done` is not called (fastify's
  // documented way for a callback hook to respond), which ends the hook chain.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== url) return done();
    const hint = classifier.hint(request.method, request.query, request.headers);
    let state: PendingAdmission = { permit: undefined, verify: true };
    if (hint) {
      const permit = acquire(request, reply, hint.priority);
      if (permit === undefined) return;
      state = { permit: permit ?? undefined, verify: !hint.final };
    }
    request.state.admission = state;
    inFlight++;
    // 'close' fires once whether the response finished or the client went away.
    const { onClose } = options;
    reply.raw.once('close', () => {
      inFlight--;
      state.permit?.release(reply.raw.writableFinished);
      onClose?.(request, reply);
    });
    done();
  });
  app.addHook('preValidation', (request, reply, done) => {
    const state = request.state.admission;
    if (!state?.verify || request.routeOptions.url !== url) return done();
    state.verify = false;
    const priority = classifier.classify(request.method === 'GET' ? request.query : request.body);
    if (state.permit) {
      if (state.permit.reclassify(priority)) return done();
      // Not finished: a refused request's latency says nothing about the limit.
      state.permit.release(false);
      state.permit = undefined;
      return shed(request, reply, priority, 'in_flight');
    }
    const permit = acquire(request, reply, priority);
    if (permit === undefined) return;
    state.permit = permit ?? undefined;
    done();
  });

  return {
    get inFlight() {
      return inFlight;
    },
    admission,
    shedReason() {
      if (maxEventLoopUtilization !== undefined && utilization > maxEventLoopUtilization) return 'event_loop';
      if (admission?.pressure) return 'in_flight';
      return undefined;
    },
    register(registry) {
      const registers = [registry];
      new Gauge({
        name: 'bff_admission_limit',
        help: 'The adaptive concurrency limit of GraphQL requests (0 when admission is off).',
        registers,
        collect() {
          this.set(admission?.limit ?? 0);
        },
      });
      new Gauge({
        name: 'bff_admission_pressure',
        help: '1 while the process is under pressure (low-criticality fields degrade), else 0.',
        registers,
        collect() {
          this.set(admission?.pressure ? 1 : 0);
        },
      });
      new Gauge({
        name: 'bff_admission_in_flight',
        help: 'Admitted GraphQL requests in flight, by priority class.',
        labelNames: ['class'],
        registers,
        collect() {
          for (const priority of PRIORITY_CLASSES) this.set({ class: priority }, admission?.inFlightOf(priority) ?? 0);
        },
      });
      new Counter({
        name: 'bff_admission_shed_total',
        help: 'GraphQL requests refused with 503 OVERLOADED, by priority class.',
        labelNames: ['class'],
        registers,
        collect() {
          this.reset();
          for (const [priority, n] of shedByClass) this.inc({ class: priority }, n);
        },
      });
    },
    close() {
      clearInterval(sampler);
    },
  };
}
