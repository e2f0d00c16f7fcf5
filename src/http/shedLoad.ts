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

/** A critical request waiting for a slot. */
interface Waiter {
  readonly priority: PriorityClass;
  resume(permit: Permit): void;
  /** Stops waiting and answers 503. */
  refuse(): void;
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
  const { maxUtilization } = settings.limit;
  /** Event-loop utilization over the last window (sampled below when a setting uses it). */
  let utilization = 0;
  const admission = off
    ? undefined
    : createAdmission({
        limit: {
          ...settings.limit,
          ...(maxUtilization !== undefined && { saturated: () => utilization > maxUtilization }),
        },
        shares: settings.priority ? { critical: 1, ...settings.shares } : { critical: 1, normal: 1, sheddable: 1 },
        pressureOn: settings.degradeAt,
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
  let sampler: NodeJS.Timeout | undefined;
  if (maxEventLoopUtilization !== undefined || (!off && maxUtilization !== undefined)) {
    let last = performance.eventLoopUtilization();
    // A timer that is late because the loop was busy measures exactly that busy stretch.
    sampler = setInterval(() => {
      const now = performance.eventLoopUtilization();
      utilization = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      // Once per window: the limit shrinks by a tenth per window the loop was saturated.
      if (admission && maxUtilization !== undefined && utilization > maxUtilization) admission.backOff();
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
  /** Critical requests waiting for a slot, oldest first (settings.criticalQueue). */
  const waiting: Waiter[] = [];
  const { maxWaitMs, maxWaiting } = settings.criticalQueue;
  /** Critical requests refused after waiting their whole `maxWaitMs`. */
  let waitedOut = 0;
  /** Hands freed slots to the waiting requests, oldest first, while the limit has room. */
  const wake = (): void => {
    while (admission && waiting.length > 0) {
      const permit = admission.tryAcquire(waiting[0]!.priority);
      if (!permit) return;
      waiting.shift()!.resume(permit);
    }
  };
  /**
   * Calls `admitted` with a permit (`null` when admission is off), now or, for a critical request
   * that finds the limit full, once a slot frees; otherwise answers 503 and never calls it.
   */
  const acquire = (
    request: FastifyRequest,
    reply: FastifyReply,
    priority: PriorityClass,
    admitted: (permit: Permit | null) => void,
  ): void => {
    if (maxEventLoopUtilization !== undefined && priority !== 'critical' && utilization > maxEventLoopUtilization) {
      return shed(request, reply, priority, 'event_loop');
    }
    if (!admission) return admitted(null);
    const permit = admission.tryAcquire(priority);
    if (permit) return admitted(permit);
    // A critical request waits for the next slot rather than fail: slots free every few
    // milliseconds under load, and lower classes cannot take one while it waits (their share
    // is below the full limit it found). Bounded in time and number.
    if (priority !== 'critical' || maxWaitMs === 0 || waiting.length >= maxWaiting) return shed(request, reply, priority, 'in_flight');
    const leave = (): void => {
      clearTimeout(timer);
      reply.raw.off('close', leave);
      const at = waiting.indexOf(waiter);
      if (at >= 0) waiting.splice(at, 1);
    };
    const waiter: Waiter = {
      priority,
      resume(granted) {
        leave();
        admitted(granted);
      },
      refuse() {
        leave();
        shed(request, reply, priority, 'in_flight');
      },
    };
    const timer = setTimeout(() => {
      waitedOut++;
      waiter.refuse();
    }, maxWaitMs);
    // The client gone while waiting: its place is given up.
    reply.raw.once('close', leave);
    waiting.push(waiter);
  };
  // Callback hooks, not async ones: fastify then needs no promise and microtask for them on
  // every request. A shed request is answered here and `done` is not called (fastify's
  // documented way for a callback hook to respond), which ends the hook chain; a waiting one
  // calls `done` when its slot comes.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== url) return done();
    const hint = classifier.hint(request.method, request.query, request.headers);
    const admitted = (state: PendingAdmission): void => {
      request.state.admission = state;
      inFlight++;
      // 'close' fires once whether the response finished or the client went away.
      const { onClose } = options;
      reply.raw.once('close', () => {
        inFlight--;
        if (state.permit) {
          state.permit.release(reply.raw.writableFinished, request.state.errorCodes.includes(ErrorCode.DEGRADED));
          wake();
        }
        onClose?.(request, reply);
      });
      done();
    };
    if (!hint) return admitted({ permit: undefined, verify: true });
    acquire(request, reply, hint.priority, (permit) => admitted({ permit: permit ?? undefined, verify: !hint.final }));
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
      wake();
      return shed(request, reply, priority, 'in_flight');
    }
    acquire(request, reply, priority, (permit) => {
      state.permit = permit ?? undefined;
      done();
    });
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
        name: 'bff_admission_baseline_latency_seconds',
        help: 'The long-run average latency of answered requests, all classes together (the adaptive limit compares each class, whole or degraded, with its own); 0 before any.',
        registers,
        collect() {
          this.set((admission?.baselineLatencyMs ?? 0) / 1000);
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
      new Gauge({
        name: 'bff_admission_waiting',
        help: 'Critical requests waiting for a slot of the full limit (TRAFFIC_CRITICAL_WAIT_MS).',
        registers,
        collect() {
          this.set(waiting.length);
        },
      });
      new Counter({
        name: 'bff_admission_wait_timeouts_total',
        help: 'Critical requests refused after waiting TRAFFIC_CRITICAL_WAIT_MS for a slot (also in bff_admission_shed_total).',
        registers,
        collect() {
          this.reset();
          this.inc(waitedOut);
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
      for (const waiter of [...waiting]) waiter.refuse();
    },
  };
}
