import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BffContext } from '../context/BffContext.js';
import type { FastPath } from './fastPath.js';
import { withRequestIdInBody } from './formatResult.js';

export interface AnswerOperationOptions {
  apollo: ApolloServer<BffContext>;
  /** The fast path for the client's own queries, when it is on. */
  fastPath: FastPath | undefined;
  /** The request's GraphQL context (src/http/requestContext.ts), made once per request. */
  contextOf: (request: FastifyRequest) => BffContext;
}

/**
 * The GraphQL route's handler, once the edge's stages have admitted the request: a request
 * the fast path takes (fastPath.ts) is answered there; anything else, and a fast-path request
 * whose variables do not coerce, by Apollo Server. Both run the same pipeline's steps.
 */
export function answerOperation(options: AnswerOperationOptions) {
  const { apollo, fastPath, contextOf } = options;
  const viaApollo = fastifyApolloHandler<BffContext>(apollo, { context: async (request) => contextOf(request) });
  return async function handler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    const fast = fastPath?.match(request);
    const response = fast && (await fastPath!.run(fast, request, contextOf(request)));
    if (response) {
      if (response.headers) for (const [name, value] of response.headers) void reply.header(name, value);
      return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
    }
    // Refusals Apollo makes before its pipeline (CSRF, a malformed request) get the request id here.
    return withRequestIdInBody(await viaApollo.call(this, request, reply), request.id);
  };
}
