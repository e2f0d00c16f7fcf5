import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ErrorCode } from '../errors/codes.js';
import { replyError } from './replyError.js';

/** The methods a client may try on a GraphQL URL that it does not serve. */
const OTHER_METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Answers the other methods of `url` (of GET, POST, PUT, PATCH and DELETE) with 405
 * METHOD_NOT_ALLOWED and `allow`, in the GraphQL error shape, instead of fastify's plain 404.
 */
export function refuseOtherMethods(app: FastifyInstance, url: string, allowed: readonly HTTPMethods[]): void {
  app.route({
    method: OTHER_METHODS.filter((method) => !allowed.includes(method)),
    url,
    handler: async (request, reply) => {
      void reply.header('allow', allowed.join(', '));
      return replyError(reply, request, ErrorCode.METHOD_NOT_ALLOWED, `Use ${allowed.join(' or ')}.`, { status: 405 });
    },
  });
}
