import type { FastifyRequest } from 'fastify';
import { NO_STORE, withCacheControl } from '../cache/responseCachePolicy.js';
import type { BffContext } from '../context/BffContext.js';
import { asBffError } from '../errors/BffError.js';
import { compileOperation } from './execute.js';
import { debugAsks, formatResult, type FormattedResponse } from './formatResult.js';
import type { OperationPipeline } from './OperationPipeline.js';
import type { PreparedOperation } from './prepare.js';

/** A request the fast path takes: one of the manifest's queries, and its variables as sent. */
export interface FastRequest {
  readonly hash: string;
  readonly prepared: PreparedOperation;
  readonly variables: Record<string, unknown>;
}

export interface FastPath {
  /**
   * @returns the request when it is a plain POST of a manifest query (by the hash the
   * operation gate admitted), else undefined: Apollo Server then answers it.
   */
  match(request: FastifyRequest): FastRequest | undefined;
  /**
   * Runs a matched request through the pipeline's steps (check, execute, format) with its
   * context built.
   * @returns the response, or undefined when its variables do not coerce: graphql-js's words
   * for that are Apollo's to send (the check is not made again there).
   */
  run(fast: FastRequest, request: FastifyRequest, context: BffContext): Promise<FormattedResponse | undefined>;
  /** How many requests it answered since start (tests check it is taken). */
  readonly served: number;
}

export interface FastPathOptions {
  pipeline: OperationPipeline;
  /** The client's operation manifest, by SHA-256 of each document. */
  operations: ReadonlyMap<string, string>;
}

/** `accept` values that Apollo answers with `application/json`; anything else goes through Apollo. */
const JSON_ACCEPTS: ReadonlySet<string> = new Set([
  '*/*',
  'application/json',
  'application/json, */*',
  'application/json, text/plain, */*',
]);

/**
 * The fast path for a BFF's own clients. Their queries are known in advance (the operation
 * manifest the safelist is built from), so what Apollo Server does per request around the
 * operation's steps (parse and validation cache lookups, about ten plugin hooks each awaited,
 * the HTTP body and header maps) buys nothing for them. This prepares and compiles each
 * manifest query once, at start, and per request runs the same steps Apollo's adapter runs
 * (OperationPipeline: check, execute, formatResult); it has no step of its own.
 *
 * It takes only what it answers exactly as Apollo would: a manifest query (not a mutation:
 * those keep Apollo's path), sent as a plain POST (no extensions but a plain APQ hash, JSON
 * accepted, no stack trace asked for) whose operation name, if any, is the query's. A refusal
 * of the check is answered here, from the same check and formatter; variables that do not
 * coerce go to Apollo, whose graphql-js error is the answer. The differential test
 * (test/integration/executors.test.ts) compares both paths response by response.
 */
export function createFastPath(options: FastPathOptions): FastPath {
  const { pipeline } = options;
  const prepared = new Map<string, PreparedOperation>();
  for (const [hash, body] of options.operations) {
    const operation = pipeline.prepare.source(body);
    // A document must name one query that compiles; anything else stays with Apollo.
    if (
      !('type' in operation) ||
      operation.type !== 'query' ||
      operation.document.definitions.filter((d) => d.kind === 'OperationDefinition').length !== 1
    )
      continue;
    operation.compiled = compileOperation(pipeline.schema, operation.document, operation.operation, operation.name);
    if (typeof operation.compiled === 'string') continue;
    prepared.set(hash, operation);
  }
  let served = 0;

  return {
    get served() {
      return served;
    },

    match(request) {
      const hash = request.state.admittedHash;
      if (hash === undefined || request.method !== 'POST') return undefined;
      const query = prepared.get(hash);
      if (!query) return undefined;
      // A request asking for stack traces goes to Apollo (its errors keep Apollo's frames).
      const debug = request.headers['x-bff-debug'];
      if (debug !== undefined && debugAsks(debug, 'stack')) return undefined;
      const accept = request.headers.accept;
      if (accept !== undefined && !JSON_ACCEPTS.has(accept)) return undefined;
      const body = request.body as Record<string, unknown>;
      if (body.extensions !== undefined && !(body.query === undefined && isPlainApq(body.extensions))) return undefined;
      const name = body.operationName;
      if (name !== undefined && name !== null && name !== query.name) return undefined;
      const raw = body.variables;
      if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) return undefined;
      return { hash, prepared: query, variables: (raw ?? {}) as Record<string, unknown> };
    },

    async run({ hash, prepared: query, variables }, request, context) {
      const state = request.state;
      let checked;
      try {
        checked = await pipeline.check(state, query, variables, hash, context.viewer);
      } catch (error) {
        const refusal = asBffError(error);
        if (!refusal) throw error;
        served++;
        state.fastPath = true;
        return withCacheControl(formatResult({ errors: [refusal] }, context, state, pipeline.format), NO_STORE);
      }
      if (checked.variables === undefined) return undefined;
      served++;
      state.fastPath = true;
      const result = await pipeline.execute(query, context, variables, true);
      const cacheControl = pipeline.cacheControl(query, result.errors !== undefined && result.errors.length > 0, state.routing);
      return withCacheControl(formatResult(result, context, state, pipeline.format), cacheControl);
    },
  };
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
