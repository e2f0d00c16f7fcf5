import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BffContext } from '../context/BffContext.js';
import { buildContext, type ContextDeps } from '../context/buildContext.js';
import type { Logger } from '../observability/createLogger.js';
import { debugAsks } from '../operation/formatResult.js';

/**
 * The GraphQL context of an HTTP request, from what the edge's stages put in its record
 * (requestState: the viewer, the routing, when it came) and its headers (`traceparent`,
 * `x-bff-debug: fanout`, `idempotency-key`): what both paths (the fast path, Apollo Server)
 * hand the operation.
 *
 * It also gives the request its `state.cancel`, which aborts the request's backend calls when
 * the client goes away (cancelIfClientLeft).
 *
 * @returns a function of the request; call it once per request, after `authenticate`.
 */
export function requestContext(deps: ContextDeps & { log: Logger }): (request: FastifyRequest) => BffContext {
  const { log, ...contextDeps } = deps;
  return (request) => {
    const { state } = request;
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
      contextDeps,
    );
  };
}

/**
 * Stops the request's backend calls if its response closed before it was written: the client
 * went away. (The request's own 'close' fires once its body is read, so it cannot tell.) For
 * the load shedder's `onClose`: its 'close' listener, which every counted /graphql request
 * has, runs it, one listener per response instead of two.
 */
export function cancelIfClientLeft(request: FastifyRequest, reply: FastifyReply): void {
  if (!reply.raw.writableFinished) request.state.cancel?.abort();
}
