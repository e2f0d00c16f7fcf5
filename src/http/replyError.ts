import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode, httpStatusOf } from '../errors/codes.js';
import type { Logger } from '../observability/createLogger.js';

/**
 * Answers a request that ends before (or outside) GraphQL execution with a GraphQL-shaped
 * JSON body: `{ errors: [{ message, extensions: { code, requestId } }] }`. Never HTML, never
 * a stack trace. The code is added to the request's outcome (the access log and the metrics).
 *
 * @returns the reply, sent.
 */
export function replyError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  http?: { status?: number; headers?: Record<string, string> },
  extensions?: Record<string, unknown>,
): FastifyReply {
  const status = http?.status ?? httpStatusOf[code];
  // Unset only if the very first hook failed.
  request.state?.errorCodes.push(code);
  if (http?.headers) void reply.headers(http.headers);
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ errors: [{ message, extensions: { code, requestId: request.id, ...extensions } }] });
}

/**
 * The last stage: whatever a hook or handler threw, and any route that does not exist, is
 * answered by replyError. A BffError keeps its code and status; fastify's own errors (body too
 * large, not JSON, wrong media type) get codes of their own; anything else is a logged 500
 * with "Unexpected error.".
 */
export function useErrorReplies(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const bff = asBffError(error);
    if (bff) return replyError(reply, request, bff.code, bff.message, bff.extensions.http as { status?: number } | undefined);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const fastifyCode = (error as { code?: string }).code;
    if (status >= 500) log.error({ err: error, requestId: request.id }, 'unhandled error');
    const [code, message] = httpErrorOf(status, fastifyCode, error);
    return replyError(reply, request, code, message, { status });
  });
  app.setNotFoundHandler((request, reply) =>
    replyError(reply, request, ErrorCode.NOT_FOUND, `No route ${request.method} ${request.url.split('?')[0]}.`, { status: 404 }),
  );
}

function httpErrorOf(status: number, fastifyCode: string | undefined, error: unknown): [ErrorCode, string] {
  if (status === 413) return [ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'];
  if (status === 415) return [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the operation as application/json.'];
  if (status === 404) return [ErrorCode.NOT_FOUND, 'Not found.'];
  if (status >= 400 && status < 500) {
    if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return [ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'];
    }
    return [ErrorCode.BAD_REQUEST, 'The request is malformed.'];
  }
  return [ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.'];
}
