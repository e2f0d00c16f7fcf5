import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { PUBLIC_REASONS, publicReason } from '../errors/publicReason.js';
import type { RequestState } from '../http/requestState.js';
import { legacyJsonStatus } from './legacyJsonStatus.js';

/**
 * The last step of an operation: its result as the client gets it, the same on every path.
 * Apollo Server's adapter (apolloPlugins.ts) runs these functions from its hooks; the fast
 * path runs formatResult, which is the same functions in the same order:
 *
 * 1. logUnexpectedErrors: what is not ours is logged in full, with the request id;
 * 2. normalizeErrors (Apollo does its own equivalent first): a default code, and
 *    `extensions.http` lifted into the response's status and headers;
 * 3. maskError (Apollo's `formatError`): what is not ours becomes "Unexpected error.";
 * 4. finishResult: the request id on every error, a short stack when asked, the fan-out
 *    receipt when asked, and the error codes into the request's outcome;
 * 5. legacyJsonStatus: 200 for a request error answered as `application/json`.
 */

export const MASKED_MESSAGE = 'Unexpected error.';

/** Frames of a short stack trace: where it was thrown, not the whole way up through Apollo. */
export const STACK_FRAMES = 4;

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

export interface FormatOptions {
  /** Mask what is not ours and drop field suggestions. Default: true in production. */
  mask: boolean;
  /**
   * Give a request that asks with `x-bff-debug: stack` a short `extensions.stacktrace` (the
   * message and the first STACK_FRAMES frames). Never in production.
   */
  stacktraceOnRequest: boolean;
}

/**
 * BffErrors and Apollo's request errors pass; anything else (a thrown TypeError, a library's
 * message) becomes "Unexpected error." when masking, with the request id added by
 * finishResult so an operator can find the logged original. Apollo Server's `formatError`.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, mask: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (asBffError(original)) {
    const reason = formatted.extensions?.reason;
    // Transport detail (`http_431`, `und_err_invalid_arg`) stays in the log (logUnexpectedErrors).
    if (!mask || typeof reason !== 'string' || PUBLIC_REASONS.has(reason)) return formatted;
    return { ...formatted, extensions: { ...formatted.extensions, reason: publicReason(formatted.extensions?.code, reason) } };
  }
  // Apollo refuses a GET mutation with BAD_REQUEST and status 405: 405 has its own code here.
  if (formatted.extensions?.code === ErrorCode.BAD_REQUEST && httpStatusOf(error) === 405) {
    return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.METHOD_NOT_ALLOWED } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PIPELINE_CODES.has(code)) {
    if (!mask) return formatted;
    // "Did you mean …?" leaks the schema that introspection being off is meant to hide.
    return { ...formatted, message: formatted.message.replace(/ Did you mean .*$/, '') };
  }
  if (!mask) return formatted;
  return {
    message: MASKED_MESSAGE,
    ...(formatted.locations && { locations: formatted.locations }),
    ...(formatted.path && { path: formatted.path }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

function httpStatusOf(error: unknown): unknown {
  return error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
}

/**
 * Logs in full (message, stack, path, request id) each error that is neither ours nor a
 * request error; and, at `warn`, each of ours whose reason a client does not see in
 * production (the transport detail of a backend failure).
 */
export function logUnexpectedErrors(context: BffContext, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    const ours = asBffError(original);
    if (ours) {
      if (ours.reason !== undefined && !PUBLIC_REASONS.has(ours.reason)) {
        context.log.warn(
          { requestId: context.requestId, code: ours.code, upstream: ours.upstream, reason: ours.reason, path: error.path },
          'error detail withheld from the client',
        );
      }
      continue;
    }
    const code = error.extensions?.code;
    if (typeof code === 'string' && PIPELINE_CODES.has(code)) continue;
    context.log.error({ err: original, path: error.path, requestId: context.requestId }, 'unexpected error in operation');
  }
}

/** The HTTP part of a response that its errors decide (`extensions.http`). */
export interface HttpFromErrors {
  status: number | undefined;
  headers: Map<string, string> | undefined;
}

/**
 * Each error as GraphQL-over-HTTP servers shape it before `formatError`: a GraphQLError (a
 * thrown non-GraphQL value wrapped), `extensions.code` defaulting to INTERNAL_SERVER_ERROR,
 * and `extensions.http` ({ status, headers }: how BffErrors carry their HTTP status) taken out
 * of the error and into the response. Apollo Server does the same for the requests it runs
 * (its errorNormalize.ts, which it does not export); test/integration/executors.test.ts holds
 * the two paths' responses equal, byte for byte.
 */
export function normalizeErrors(errors: readonly unknown[], mask: boolean): { errors: GraphQLFormattedError[]; http: HttpFromErrors } {
  const http: HttpFromErrors = { status: undefined, headers: undefined };
  const normalize = (maybeError: unknown): GraphQLFormattedError => {
    const error =
      maybeError instanceof GraphQLError
        ? maybeError
        : maybeError instanceof Error
          ? new GraphQLError(maybeError.message, { originalError: maybeError })
          : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
    const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? ErrorCode.INTERNAL_SERVER_ERROR };
    const head = extensions.http as { status?: unknown; headers?: unknown } | undefined;
    if (
      head &&
      typeof head === 'object' &&
      (!('status' in head) || typeof head.status === 'number') &&
      (!('headers' in head) || head.headers instanceof Map)
    ) {
      if (typeof head.status === 'number') http.status = head.status;
      if (head.headers instanceof Map)
        for (const [key, value] of head.headers as Map<string, string>) (http.headers ??= new Map()).set(key, value);
      delete extensions.http;
    }
    return { ...error.toJSON(), extensions };
  };
  const formatted = errors.map((error) => {
    try {
      return maskError(normalize(error), error, mask);
    } catch {
      return { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
  });
  return { errors: formatted, http };
}

/** @returns whether an `x-bff-debug` header asks for `what` (`fanout`, `stack`), alone or in a list. */
export function debugAsks(header: string | string[] | undefined, what: 'fanout' | 'stack'): boolean {
  if (header === what) return true;
  const value = Array.isArray(header) ? header.join(',') : header;
  return value?.split(',').some((v) => v.trim() === what) ?? false;
}

/** @returns the short stack traces of `errors`, one per error, when the request asks for them and may. */
export function stacksOf(
  errors: readonly GraphQLError[],
  state: RequestState | undefined,
  options: FormatOptions,
): (string[] | undefined)[] | undefined {
  if (!options.stacktraceOnRequest || !state || !debugAsks(state.headers['x-bff-debug'], 'stack')) return undefined;
  return errors.map((e) => shortStack(unwrapResolverError(e)));
}

/** @returns the error's message line and its first STACK_FRAMES frames, paths relative to the working directory. */
export function shortStack(error: unknown): string[] | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const cwd = `${process.cwd()}/`;
  const [head = '', ...frames] = stack.split('\n');
  return [
    head,
    ...frames
      .filter((f) => f.trim().startsWith('at '))
      .slice(0, STACK_FRAMES)
      .map((f) => f.trim().replaceAll(`file://${cwd}`, '').replaceAll(cwd, '')),
  ];
}

/** A single result as it leaves the pipeline (Apollo's `singleResult`, or the fast path's). */
export interface FormattedResult {
  data?: unknown;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/**
 * What every response gets last, whichever path made it: the request id on each error (with
 * its short stack when `stacks` has one), `extensions.fanout` when the context asks for it,
 * and the error codes, as the client sees them, into the request's outcome.
 *
 * @returns the result to send (a new object when anything was added).
 */
export function finishResult<R extends FormattedResult>(
  result: R,
  context: BffContext,
  state: RequestState | undefined,
  stacks?: (string[] | undefined)[],
): R {
  let finished = result;
  if (result.errors) {
    const stamped = withRequestId(result.errors, context.requestId);
    if (stacks?.length === stamped.length) {
      stamped.forEach((e, i) => {
        if (stacks[i]) (e.extensions as Record<string, unknown>).stacktrace = stacks[i];
      });
    }
    finished = { ...finished, errors: stamped };
    if (state) for (const error of stamped) if (typeof error.extensions?.code === 'string') state.errorCodes.push(error.extensions.code);
  }
  if (context.emitFanout) finished = { ...finished, extensions: { ...finished.extensions, fanout: context.scope.fanout.receipt() } };
  return finished;
}

/** A response the fast path sends itself. */
export interface FormattedResponse {
  status: number;
  headers: ReadonlyMap<string, string> | undefined;
  /** The JSON body, as Apollo Server writes it (JSON and a newline), encoded as UTF-8. */
  body: Buffer;
}

/**
 * The whole last step for a result (or a refusal: `{ errors }` without data) made outside
 * Apollo Server: steps 1 to 4 above, then the body. The status is the errors' (`extensions.http`),
 * else 200 for an executed operation and 500 for a refusal without one, as Apollo answers.
 */
export function formatResult(
  result: ExecutionResult,
  context: BffContext,
  state: RequestState | undefined,
  options: FormatOptions,
): FormattedResponse {
  if (!result.errors?.length)
    return { status: 200, headers: undefined, body: jsonBody(finishResult(result as FormattedResult, context, state)) };
  logUnexpectedErrors(context, result.errors);
  const { errors, http } = normalizeErrors(result.errors, options.mask);
  const executed = 'data' in result;
  const finished = finishResult({ ...result, errors } as FormattedResult, context, state, stacksOf(result.errors, state, options));
  const status = legacyJsonStatus(http.status ?? (executed ? 200 : 500), finished, state?.headers.accept) ?? 200;
  return { status, headers: http.headers, body: jsonBody(finished) };
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

/**
 * `value` as Apollo's prettyJSONStringify writes it (JSON and a newline), encoded once into the
 * buffer that is sent. A `${JSON.stringify(value)}\n` string sent as is was encoded again on
 * its way to the socket: on a 120 KB page (whose text holds non-Latin-1 characters, so two
 * bytes per character) ~250 KB more young-generation garbage per request (docs/performance.md,
 * "What was tried").
 */
function jsonBody(value: unknown): Buffer {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json);
  const body = Buffer.allocUnsafe(length + 1);
  body.write(json, 0, length, 'utf8');
  body[length] = 0x0a;
  return body;
}
