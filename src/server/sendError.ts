import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, httpStatusOf } from '../errors/codes.js';

/**
 * Answers a request that ends before (or outside) GraphQL execution with a GraphQL-shaped
 * JSON body: `{ errors: [{ message, extensions: { code, requestId } }] }`. Never HTML, never
 * a stack trace.
 */
export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  http?: { status?: number; headers?: Record<string, string> },
  extensions?: Record<string, unknown>,
): FastifyReply {
  const status = http?.status ?? httpStatusOf[code];
  // Read by the access log and the metrics; unset only if the very first hook failed.
  request.outcome?.errorCodes.push(code);
  if (http?.headers) void reply.headers(http.headers);
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ errors: [{ message, extensions: { code, requestId: request.id, ...extensions } }] });
}
