import type { FastifyRequest } from 'fastify';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { authorize, requirementOf, type OperationRequirement } from '../auth/useAuthorization.js';
import type { BffContext } from '../context/BffContext.js';
import { checkArguments } from '../limits/checkArguments.js';
import { estimateCost } from '../limits/estimateCost.js';
import type { RequestOutcome } from '../observability/RequestOutcome.js';
import { recordErrorCodes } from '../observability/useRequestOutcome.js';
import { compileOperation, executeCompiled } from './createJitGateway.js';
import { debugAsks, logUnexpectedErrors, withRequestId } from './plugins/useErrorMasking.js';

/** One of the client's own queries, parsed, validated and compiled once, at start. */
interface PreparedQuery {
  readonly hash: string;
  readonly name: string | undefined;
  readonly operation: OperationDefinitionNode;
  readonly document: DocumentNode;
  readonly run: CompiledQuery['query'];
  readonly requirement: OperationRequirement;
}

/** A request the fast path takes: its prepared query and its (coercible) variables. */
export interface FastRequest {
  readonly query: PreparedQuery;
  readonly variables: Record<string, unknown>;
  /** Its estimated cost (estimateCost), which rate limits weigh it by. */
  readonly cost: number;
}

export interface FastResponse {
  status: number;
  headers: ReadonlyMap<string, string> | undefined;
  /** The JSON body, byte for byte as Apollo Server writes it, encoded as UTF-8. */
  body: Buffer;
}

export interface FastPath {
  /**
   * @param hash SHA-256 of the request's document (or its APQ hash), from the operation gate.
   * @returns the request when it may skip Apollo, else undefined: it then goes through Apollo,
   * which answers it, or refuses it, in its own way.
   */
  match(request: FastifyRequest, hash: string | undefined): FastRequest | undefined;
  /** Runs a matched request (its context built) and returns the response Apollo would give. */
  run(fast: FastRequest, context: BffContext, outcome: RequestOutcome): Promise<FastResponse>;
  /** How many requests it served since start (tests check it is taken). */
  readonly served: number;
}

export interface FastPathOptions {
  schema: GraphQLSchema;
  /** The client's operation manifest, by SHA-256 of each document. */
  operations: ReadonlyMap<string, string>;
  maxCost: number;
  /** Apollo's `formatError`, exactly as the server was given it. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  includeStacktrace: boolean;
}

/** `accept` values that Apollo answers with `application/json`; anything else goes through Apollo. */
const JSON_ACCEPTS: ReadonlySet<string> = new Set(['*/*', 'application/json', 'application/json, */*', 'application/json, text/plain, */*']);

/**
 * The fast path for a BFF's own clients. Their queries are known in advance (the operation
 * manifest the safelist is built from), so everything Apollo Server does per request up to
 * execution (parse and validation cache lookups, about ten plugin hooks each awaited over
 * every plugin, the HTTP body and header maps) buys nothing for them. This prepares each
 * manifest query once (parse, validate, compile with graphql-jit, read its `@auth` needs)
 * and per request does only what decides its answer: variable coercion, the cost limit, the
 * viewer's `@auth`, execution, and errors formatted with the server's own `formatError`.
 *
 * Equivalence is kept by construction: the fast path only serves a request it can answer
 * exactly as Apollo would (a query from the manifest, sent as a plain POST, whose variables
 * coerce, within the cost limit, allowed for the viewer). Every other request, and every
 * refusal, goes through Apollo, whose own answer is then the one given. The differential test
 * (test/integration/executors.test.ts) compares both paths response by response.
 */
export function createFastPath(options: FastPathOptions): FastPath {
  const { schema, maxCost } = options;
  const prepared = new Map<string, PreparedQuery>();
  for (const [hash, body] of options.operations) {
    const query = prepare(schema, hash, body);
    if (query) prepared.set(hash, query);
  }
  let served = 0;

  return {
    get served() {
      return served;
    },

    match(request, hash) {
      if (hash === undefined || request.method !== 'POST') return undefined;
      // A request asking for stack traces goes to Apollo, whose plugin adds them.
      const debug = request.headers['x-bff-debug'];
      if (debug !== undefined && debugAsks(debug, 'stack')) return undefined;
      const query = prepared.get(hash);
      if (!query) return undefined;
      const accept = request.headers.accept;
      if (accept !== undefined && !JSON_ACCEPTS.has(accept)) return undefined;
      const body = request.body as Record<string, unknown>;
      if (body.extensions !== undefined && !(body.query === undefined && isPlainApq(body.extensions))) return undefined;
      const name = body.operationName;
      if (name !== undefined && name !== null && name !== query.name) return undefined;
      const raw = body.variables;
      if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) return undefined;
      const variables = (raw ?? {}) as Record<string, unknown>;
      let coerced: Record<string, unknown> = {};
      if (query.operation.variableDefinitions?.length) {
        const values = getVariableValues(schema, query.operation.variableDefinitions, variables);
        if ('errors' in values) return undefined;
        coerced = values.coerced;
      }
      const cost = estimateCost(schema, query.document, query.operation, variables);
      if (cost > maxCost) return undefined;
      // Apollo's useArgumentCheck gives the refusal.
      if (checkArguments(schema, query.document, query.operation, coerced)) return undefined;
      try {
        authorize(request.viewer, query.requirement);
      } catch {
        return undefined;
      }
      return { query, variables, cost };
    },

    async run({ query, variables }, context, outcome) {
      served++;
      outcome.fastPath = true;
      outcome.operationName = query.name;
      outcome.operationType = 'query';
      outcome.documentHash = query.hash;
      const result = await executeCompiled(query.run, query.operation, query.name, context, variables);
      let status = 200;
      let headers: Map<string, string> | undefined;
      let errors: GraphQLFormattedError[] | undefined;
      if (result.errors?.length) {
        logUnexpectedErrors(context, result.errors);
        const formatted = formatErrors(result.errors, options);
        status = formatted.status ?? status;
        headers = formatted.headers;
        errors = withRequestId(formatted.errors, context.requestId);
        recordErrorCodes(outcome, errors);
      }
      const single: Record<string, unknown> = { ...result, errors };
      if (context.emitFanout) single.extensions = { ...result.extensions, fanout: context.scope.fanout.receipt() };
      return { status, headers, body: jsonBody(single) };
    },
  };
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

/** @returns the manifest document prepared, or undefined for what the fast path leaves to Apollo. */
function prepare(schema: GraphQLSchema, hash: string, body: string): PreparedQuery | undefined {
  let document: DocumentNode;
  try {
    document = parse(body);
  } catch {
    return undefined;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  // Mutations keep Apollo's path (and its mutation rate limit); a document must name one query.
  if (operations.length !== 1 || !operation || operation.operation !== 'query') return undefined;
  if (validate(schema, document).length > 0) return undefined;
  const name = operation.name?.value;
  const compiled = compileOperation(schema, document, operation, name);
  if (typeof compiled === 'string') return undefined;
  return { hash, name, operation, document, run: compiled.query, requirement: requirementOf(schema, document, operation) };
}

/** `{"persistedQuery": {"version": 1, "sha256Hash": "…"}}` and nothing else: what Apollo serves from its cache as is. */
function isPlainApq(extensions: unknown): boolean {
  if (typeof extensions !== 'object' || extensions === null || Object.keys(extensions).length !== 1) return false;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null || Object.keys(persisted).length !== 2) return false;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  // Lower-case hex only: the gate lower-cases the hash it looks up, Apollo's cache does not.
  return version === 1 && typeof sha256Hash === 'string' && /^[0-9a-f]{64}$/.test(sha256Hash);
}

/**
 * Apollo Server's normalizeAndFormatErrors (errorNormalize.ts, not exported by the package),
 * line for line: default code, `extensions.http` lifted into the response's status and headers,
 * the stack trace when asked, then the server's `formatError`.
 */
function formatErrors(
  errors: readonly GraphQLError[],
  options: Pick<FastPathOptions, 'formatError' | 'includeStacktrace'>,
): { errors: GraphQLFormattedError[]; status: number | undefined; headers: Map<string, string> | undefined } {
  let status: number | undefined;
  let headers: Map<string, string> | undefined;
  const enrich = (maybeError: unknown): GraphQLFormattedError => {
    const error =
      maybeError instanceof GraphQLError
        ? maybeError
        : maybeError instanceof Error
          ? new GraphQLError(maybeError.message, { originalError: maybeError })
          : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
    const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
    const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
    if (http && typeof http === 'object' && (!('status' in http) || typeof http.status === 'number') && (!('headers' in http) || http.headers instanceof Map)) {
      if (typeof http.status === 'number') status = http.status;
      if (http.headers instanceof Map) for (const [key, value] of http.headers as Map<string, string>) (headers ??= new Map()).set(key, value);
      delete extensions.http;
    }
    if (options.includeStacktrace) extensions.stacktrace = error.stack?.split('\n');
    return { ...error.toJSON(), extensions };
  };
  const formatted = errors.map((error) => {
    try {
      return options.formatError(enrich(error), error);
    } catch (formattingError) {
      return options.includeStacktrace ? enrich(formattingError) : { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status, headers };
}
