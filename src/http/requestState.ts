import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Viewer } from '../auth/Viewer.js';
import type { BffContext } from '../context/BffContext.js';
import { RequestOutcome } from '../observability/RequestOutcome.js';
import type { RouteDecision } from '../routing/createRouter.js';
import type { PolicyState } from '../limits/createRateLimiter.js';
import type { PendingAdmission } from './shedLoad.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's one record, made in the first `onRequest` hook (useRequestState). */
    state: RequestState;
  }
}

/** What the operation's check decided (src/operation/check.ts), kept so that it is decided once. */
export interface CheckedOperation {
  /** SHA-256 of the document (Apollo's `queryHash`) and the operation's name: which operation was checked. */
  readonly hash: string;
  readonly name: string | undefined;
  /** The variables as they coerce, or undefined when they do not (graphql-js then answers them). */
  readonly variables: Record<string, unknown> | undefined;
}

/**
 * Everything one HTTP request carries from stage to stage, in one place: what the edge learnt
 * (the request id, when it came, the viewer, the operation gate's hash), what the operation
 * steps decided (the check), how to stop its backend calls, and its outcome (RequestOutcome:
 * what the access log and the metrics read when the response is finished).
 *
 * Fastify's hooks reach it as `request.state`; the operation steps reach it from the GraphQL
 * context (requestStateOf), where it is kept out of the resolvers' type: resolvers get the
 * frozen BffContext, which is made from this record once (buildContext) and never changes.
 */
export class RequestState extends RequestOutcome {
  /** The viewer, once `authenticate` has run; undefined before, and when it refused the request. */
  viewer: Viewer | undefined;
  /** Aborts the request's backend calls; made with its GraphQL context. */
  cancel: AbortController | undefined;
  /** The document's SHA-256 (or its APQ hash) as the operation gate admitted it. */
  admittedHash: string | undefined;
  /** The operation's check, once made (see CheckedOperation). */
  checked: CheckedOperation | undefined;
  /** The request's variants and backend instances (src/routing), once it is authenticated and routed. */
  routing: RouteDecision | undefined;
  /** Its admission permit (shedLoad), while it is in flight. */
  admission: PendingAdmission | undefined;
  /** The rate limits it was counted against, for the `RateLimit-Policy` / `RateLimit` headers (rateLimit). */
  rateLimitPolicies: PolicyState[] | undefined;

  constructor(
    readonly requestId: string,
    /** When the request arrived (epoch ms): its budget counts from here. */
    readonly startedAt: number,
    /** The request's headers, as node parsed them. */
    readonly headers: IncomingHttpHeaders,
    /** The caller's address (fastify's `request.ip`, after the trusted proxies): anonymous limits key on it. */
    readonly ip: string,
  ) {
    super();
  }
}

/** A request id a client may choose: anything else gets a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** fastify's `genReqId`: the client's `x-request-id` when it is a sane one, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * The first stage of every request: its RequestState, and its id echoed in `x-request-id`.
 * Register it before any hook that may answer a request (shedLoad, the body limits), so that
 * every request, also one refused before GraphQL, has its record.
 */
export function useRequestState(app: FastifyInstance): void {
  app.decorateRequest('state', undefined as unknown as RequestState);
  // A callback hook, not an async one: fastify then needs no promise and microtask for it.
  app.addHook('onRequest', (request, reply, done) => {
    request.state = new RequestState(request.id, Date.now(), request.headers, request.ip);
    void reply.header('x-request-id', request.id);
    done();
  });
}

/**
 * Where a GraphQL context keeps the record of the request it was built for. A symbol, so that
 * it is not in BffContext's type (resolvers never see it), and an enumerable property, so that
 * it survives the shallow copy of the context Apollo Server hands its plugins.
 */
export const REQUEST_STATE: unique symbol = Symbol('graphql-bff.requestState');

/** @returns the record of the HTTP request `context` was built for; undefined for a subscription's. */
export function requestStateOf(context: BffContext): RequestState | undefined {
  return (context as { [REQUEST_STATE]?: RequestState })[REQUEST_STATE];
}
