import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { parse, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { BffConfig } from '../config/loadConfig.js';
import { ErrorCode } from '../errors/codes.js';
import { countTokens } from '../limits/countTokens.js';
import { limitExceeded, type LimitRefusal } from '../limits/limitExceeded.js';
import { measureDocument } from '../limits/measureDocument.js';
import type { Logger } from '../observability/createLogger.js';
import { replyError } from './replyError.js';
import { hashDocument, persistedHashOf } from '../persisted/documentHash.js';

/** What a client sent: the POST body, or the GET query string with `extensions` still JSON text. */
export interface OperationParams {
  query?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

/** What the edge answers instead of running the operation (HTTP 400 either way). */
export type OperationRefusal =
  | LimitRefusal
  | { code: typeof ErrorCode.PERSISTED_QUERY_NOT_ALLOWED; message: string; extensions: Record<string, never> }
  | { code: typeof ErrorCode.BAD_REQUEST; message: string; extensions: { reason: 'persisted_query_hash_mismatch' } };

export interface OperationGateOptions {
  limits: BffConfig['operationLimits'];
  safelist: BffConfig['persistedQueries']['safelist'];
  /** The client's safelisted operations by SHA-256. */
  operations: ReadonlyMap<string, string>;
  log: Logger;
  /** Documents remembered as admitted (by hash), so a repeated one is not parsed twice. Default 1000. */
  maxAdmitted?: number;
}

/** What the gate decided: a refusal, or none; and the document's SHA-256 (or APQ hash) when it has one. */
export interface GateDecision {
  refusal: OperationRefusal | undefined;
  hash: string | undefined;
}

/** @returns the refusal for the request (undefined to let it run) and its document's hash. */
export type OperationGate = (params: OperationParams, requestId: string) => GateDecision;

/**
 * The edge's check of the operation text, before Apollo parses or validates it: the safelist,
 * then the token count, then the document's shape (depth, aliases, root fields, directives
 * per field, repeated fields). It runs here, not in an Apollo plugin, because Apollo has no
 * hook that can refuse a request before validation (an error thrown there becomes a 500),
 * and graphql-js validation is quadratic in repeated fields: 240 copies of `price { formatted }`
 * in one selection take 45 ms to validate, so a hostile document must not reach it.
 *
 * Cost depends on the variables and the schema; it is checked after validation (src/operation/check.ts).
 * A request with only `extensions.persistedQuery.sha256Hash` names a document that was
 * admitted when it was registered (or is in the manifest), so only the safelist applies.
 */
export function createOperationGate(options: OperationGateOptions): OperationGate {
  const { limits, safelist, operations, log } = options;
  const admitted = new LRUCache<string, true>({ max: options.maxAdmitted ?? 1000 });

  const check = (params: OperationParams, requestId: string, query: string | undefined, hash: string): OperationRefusal | undefined => {
    if (safelist !== 'off' && !operations.has(hash)) {
      if (safelist === 'enforce') {
        return { code: ErrorCode.PERSISTED_QUERY_NOT_ALLOWED, message: 'This operation is not in the allowed list.', extensions: {} };
      }
      log.warn({ requestId, queryHash: hash, operationName: params.operationName }, 'operation not in the safelist');
    }
    if (query === undefined || operations.has(hash) || admitted.has(hash)) return undefined;

    if (countTokens(query, limits.tokens) > limits.tokens) return limitExceeded('tokens', limits.tokens);
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return undefined; // Apollo reports the syntax error, with its location.
    }
    const shape = measureDocument(document);
    if (shape.depth > limits.depth) return limitExceeded('depth', limits.depth);
    if (shape.aliases > limits.aliases) return limitExceeded('aliases', limits.aliases);
    if (shape.rootFields > limits.rootFields) return limitExceeded('rootFields', limits.rootFields);
    if (shape.directivesPerField > limits.directivesPerField) return limitExceeded('directives', limits.directivesPerField);
    if (shape.repeatedFields > limits.repeatedFields) return limitExceeded('repeatedFields', limits.repeatedFields);
    admitted.set(hash, true);
    return undefined;
  };

  return (params, requestId) => {
    const query = typeof params.query === 'string' ? params.query : undefined;
    const hash = query !== undefined ? hashDocument(query) : persistedHashOf(params.extensions);
    // Nothing to check: Apollo answers a request without a document itself.
    if (hash === undefined) return { refusal: undefined, hash };
    // Apollo refuses this too, but with no code (so INTERNAL_SERVER_ERROR): the client's
    // hashing is wrong, or it tries to register a document under another's hash.
    if (query !== undefined && params.extensions !== undefined) {
      const claimed = persistedHashOf(params.extensions, false);
      if (claimed !== undefined && claimed !== hash) {
        return {
          refusal: {
            code: ErrorCode.BAD_REQUEST,
            message: 'The persisted query hash does not match the query.',
            extensions: { reason: 'persisted_query_hash_mismatch' },
          },
          hash: undefined,
        };
      }
    }
    return { refusal: check(params, requestId, query, hash), hash };
  };
}

export interface GateOperationOptions {
  /** Answers a request that is not an operation but a browser asking for the explorer; true when it did. */
  servePage?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

/**
 * The stage that decides whether the request is an operation this server will look at, from
 * its text alone and before anyone is authenticated: a Host header, one operation (not a
 * batch), then the operation gate (safelist, tokens, depth, aliases, …; createOperationGate).
 * A refusal is answered here (replyError); the admitted document's hash is kept on the
 * request's state, where the fast path looks it up in the manifest.
 *
 * @returns a callback-style `preHandler` hook for the GraphQL route (no promise per request).
 */
export function gateOperation(gate: OperationGate, options: GateOperationOptions = {}): preHandlerHookHandler {
  return (request, reply, done) => {
    // HTTP/1.1 requires Host (node refuses it without); HTTP/1.0 does not, but Apollo's
    // request URL is built from it and would fail with a 500.
    if (!request.headers.host) {
      replyError(reply, request, ErrorCode.BAD_REQUEST, 'Send a Host header.', { status: 400 }, { reason: 'missing_host' });
      return;
    }
    // A browser's GET of the endpoint gets the explorer: no operation, no credentials needed.
    if (options.servePage?.(request, reply)) return;
    if (Array.isArray(request.body)) {
      replyError(reply, request, ErrorCode.BAD_REQUEST, 'Batched operations are not accepted: send one operation per request.', {
        status: 400,
      });
      return;
    }
    const { refusal, hash } = gate(((request.method === 'GET' ? request.query : request.body) ?? {}) as OperationParams, request.id);
    if (refusal) {
      replyError(reply, request, refusal.code, refusal.message, undefined, refusal.extensions);
      return;
    }
    request.state.admittedHash = hash;
    done();
  };
}
