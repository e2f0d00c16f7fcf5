import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { BffContext } from '../../context/BffContext.js';
import { asBffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';

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
    if (asBffError(original)) return formatted;
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

/**
 * Logs every error that is not ours in full (message and stack, with the request id), and
 * stamps the request id on every error the client sees.
 */
export function useErrorMasking(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          logUnexpectedErrors(contextValue, errors);
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors) response.body.singleResult.errors = withRequestId(errors, contextValue.requestId);
        },
      };
    },
  };
}

/** Logs in full (message, stack, path, request id) each error that is neither ours nor Apollo's request errors. */
export function logUnexpectedErrors(context: BffContext, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    if (asBffError(original)) continue;
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
