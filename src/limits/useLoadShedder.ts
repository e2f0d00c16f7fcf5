import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../errors/codes.js';
import type { ShedReason } from '../observability/RequestOutcome.js';
import { sendError } from '../server/sendError.js';

export interface LoadShedderOptions {
  /** The route whose requests are counted and shed (probes and `/metrics` never are). */
  url: string;
  /** Requests of `url` in flight at which the next is shed; 0 turns the cap off. */
  maxInFlight: number;
  /** Event-loop utilization (0..1) over the last window above which requests are shed; default off. */
  maxEventLoopUtilization?: number;
  /** Length of the utilization window. Default 100 ms. */
  eluWindowMs?: number;
  /** What `retry-after` says. Default 1 s. */
  retryAfterSeconds?: number;
  /**
   * Called when the response of a counted request closes (finished or not), from the one
   * `'close'` listener the shedder already has: other per-request close work (cancellation)
   * shares it instead of adding a listener of its own to every response.
   */
  onClose?: (request: FastifyRequest, reply: FastifyReply) => void;
}

export interface LoadShedder {
  /** Requests of the route being answered now. */
  readonly inFlight: number;
  /** Why the next request would be shed now, or undefined (subscription upgrades ask this: src/subscriptions/admitUpgrade.ts). */
  shedReason(): ShedReason | undefined;
  /** Stops the utilization sampler. */
  close(): void;
}

/**
 * Sheds load in the first `onRequest` hooks, before the body is read or parsed, with 503
 * OVERLOADED and `retry-after`.
 *
 * The main signal is a cap on requests in flight: it needs no clock, reacts at once and
 * cannot oscillate. Shedding on event-loop *delay* misbehaved under heavy load on Node 20
 * and 22 (nodejs/node#57364: the histogram reports stale or inflated values), so the optional
 * second signal is event-loop *utilization* over short windows, sampled by a timer only when
 * it is enabled.
 *
 * @returns the live in-flight count (for the metrics) and a `close` for shutdown.
 */
export function useLoadShedder(app: FastifyInstance, options: LoadShedderOptions): LoadShedder {
  const { url, maxInFlight, maxEventLoopUtilization } = options;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
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

  const shedReason = (): ShedReason | undefined => {
    if (maxInFlight > 0 && inFlight >= maxInFlight) return 'in_flight';
    if (maxEventLoopUtilization !== undefined && utilization > maxEventLoopUtilization) return 'event_loop';
    return undefined;
  };

  // A callback hook, not an async one: fastify then needs no promise and microtask for it on
  // every request. A shed request is answered here and `done` is not called (fastify's
  // documented way for a callback hook to respond), which ends the hook chain as before.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== url) return done();
    const reason = shedReason();
    if (reason !== undefined) {
      request.outcome.shed = reason;
      sendError(
        reply,
        request,
        ErrorCode.OVERLOADED,
        'The server is overloaded; retry shortly.',
        { status: 503, headers: { 'retry-after': String(retryAfterSeconds) } },
        { retryAfterSeconds },
      );
      return;
    }
    inFlight++;
    // 'close' fires once whether the response finished or the client went away.
    const { onClose } = options;
    reply.raw.once('close', () => {
      inFlight--;
      onClose?.(request, reply);
    });
    done();
  });

  return {
    get inFlight() {
      return inFlight;
    },
    shedReason,
    close() {
      clearInterval(sampler);
    },
  };
}
