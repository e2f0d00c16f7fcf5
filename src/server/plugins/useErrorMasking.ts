import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { BffContext } from '../../context/BffContext.js';
import { asBffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';
import { PUBLIC_REASONS, publicReason } from '../../errors/publicReason.js';

export const MASKED_MESSAGE = 'Unexpected error.';

/** Apollo's own pipeline codes: their messages are about the client's request and are safe. */
const PIPELINE_CODES = new Set<string>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  'BAD_REQUEST',
]);

export interface ErrorMaskingOptions {
  /** Mask what is not ours and drop field suggestions. Default: true in production. */
  mask: boolean;
}

/**
 * `formatError` for Apollo Server: BffErrors and Apollo's request errors pass; anything else
 * (a thrown TypeError, a library's message) becomes "Unexpected error." when masking, with
 * the request id added by the plugin below so an operator can find the logged original.
 */
export function createFormatError(options: ErrorMaskingOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (asBffError(original)) {
      const reason = formatted.extensions?.reason;
      // Transport detail (`http_431`, `und_err_invalid_arg`) stays in the log (logUnexpectedErrors).
      if (!options.mask || typeof reason !== 'string' || PUBLIC_REASONS.has(reason)) return formatted;
      return { ...formatted, extensions: { ...formatted.extensions, reason: publicReason(formatted.extensions?.code, reason) } };
    }
    // Apollo refuses a GET mutation with BAD_REQUEST and status 405: 405 has its own code here.
    if (formatted.extensions?.code === ErrorCode.BAD_REQUEST && httpStatusOf(error) === 405) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.METHOD_NOT_ALLOWED } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PIPELINE_CODES.has(code)) {
      if (!options.mask) return formatted;
      // "Did you mean …?" leaks the schema that introspection being off is meant to hide.
      return { ...formatted, message: formatted.message.replace(/ Did you mean .*$/, '') };
    }
    if (!options.mask) return formatted;
    return {
      message: MASKED_MESSAGE,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

function httpStatusOf(error: unknown): unknown {
  return error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
}

export interface ErrorDetailOptions {
  /**
   * Give a request that asks with `x-bff-debug: stack` a short `extensions.stacktrace` (the
   * message and the first STACK_FRAMES frames). Default false; never in production.
   */
  stacktraceOnRequest?: boolean;
}

/** Frames of a short stack trace: where it was thrown, not the whole way up through Apollo. */
export const STACK_FRAMES = 4;

/**
 * Logs every error that is not ours in full (message and stack, with the request id), and
 * stamps the request id on every error the client sees. Stack traces stay in the logs: a
 * client gets a short one only when it asks (`x-bff-debug: stack`) and the option allows it.
 */
export function useErrorMasking(options: ErrorDetailOptions = {}): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart({ request }) {
      let stacks: (string[] | undefined)[] | undefined;
      const wantsStack = options.stacktraceOnRequest === true && debugAsks(request.http?.headers.get('x-bff-debug'), 'stack');
      return {
        async didEncounterErrors({ contextValue, errors }) {
          logUnexpectedErrors(contextValue, errors);
          // Apollo formats these errors one to one, in this order, into the response's errors.
          if (wantsStack) stacks = errors.map((e) => shortStack(unwrapResolverError(e)));
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          const stamped = withRequestId(errors, contextValue.requestId);
          if (stacks?.length === stamped.length) {
            stamped.forEach((e, i) => {
              if (stacks![i]) (e.extensions as Record<string, unknown>).stacktrace = stacks![i];
            });
          }
          response.body.singleResult.errors = stamped;
        },
      };
    },
  };
}

/** @returns whether an `x-bff-debug` header asks for `what` (`fanout`, `stack`), alone or in a list. */
export function debugAsks(header: string | string[] | undefined, what: 'fanout' | 'stack'): boolean {
  if (header === what) return true;
  const value = Array.isArray(header) ? header.join(',') : header;
  return value !== undefined && value.split(',').some((v) => v.trim() === what);
}

/** @returns the error's message line and its first STACK_FRAMES frames, paths relative to the working directory. */
export function shortStack(error: unknown): string[] | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const cwd = `${process.cwd()}/`;
  const [head = '', ...frames] = stack.split('\n');
  return [head, ...frames.filter((f) => f.trim().startsWith('at ')).slice(0, STACK_FRAMES).map((f) => f.trim().replaceAll(`file://${cwd}`, '').replaceAll(cwd, ''))];
}

/**
 * Logs in full (message, stack, path, request id) each error that is neither ours nor Apollo's
 * request errors; and, at `warn`, each of ours whose reason a client does not see in production
 * (the transport detail of a backend failure).
 */
export function logUnexpectedErrors(context: BffContext, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    const ours = asBffError(original);
    if (ours) {
      if (ours.reason !== undefined && !PUBLIC_REASONS.has(ours.reason)) {
        context.log.warn({ requestId: context.requestId, code: ours.code, upstream: ours.upstream, reason: ours.reason, path: error.path }, 'error detail withheld from the client');
      }
      continue;
    }
    const code = error.extensions?.code;
    if (typeof code === 'string' && PIPELINE_CODES.has(code)) continue;
    context.log.error({ err: original, path: error.path, requestId: context.requestId }, 'unexpected error in operation');
  }
}

/**
 * Apollo answers some refusals before its request pipeline starts, so without any plugin
 * hook and without the context: CSRF prevention, a malformed GET or POST body (no `query`,
 * `variables` not an object), an `accept` it cannot serve. Those bodies come out of the
 * HTTP handler as `{"errors":[…]}` text without the request id; this stamps it on each error.
 * Bodies with data, or whose errors already carry it, are returned as they are, unparsed.
 *
 * @returns the response body as the client gets it.
 */
export function withRequestIdInBody(body: unknown, requestId: string): unknown {
  if (typeof body !== 'string' || !body.startsWith('{"errors":') || body.includes('"requestId":')) return body;
  const parsed = JSON.parse(body) as { errors: GraphQLFormattedError[] };
  return `${JSON.stringify({ ...parsed, errors: withRequestId(parsed.errors, requestId) })}\n`;
}

/** @returns the errors as the client gets them: each with the request id in its extensions. */
export function withRequestId(errors: readonly GraphQLFormattedError[], requestId: string): GraphQLFormattedError[] {
  return errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } }));
}
