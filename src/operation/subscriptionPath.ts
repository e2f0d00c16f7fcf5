import { getVariableValues, GraphQLError, type ExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth/Viewer.js';
import type { BffContext } from '../context/BffContext.js';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { RequestState } from '../http/requestState.js';
import type { OperationPipeline } from './OperationPipeline.js';
import type { PreparedOperation } from './prepare.js';

/** One subscribe of a subscription transport, once the operation gate admitted it. */
export interface SubscriptionRequest {
  /** The document's text: as sent, or the manifest's for a subscribe that sent only its hash. */
  readonly query: string;
  readonly operationName: string | null | undefined;
  /** As sent. */
  readonly variables: Record<string, unknown>;
  /** SHA-256 of the document, as the operation gate computed it. */
  readonly hash: string;
}

/** A subscription the check let through. */
export interface CheckedSubscription {
  readonly prepared: PreparedOperation;
  /** As sent: the executor coerces them itself (the check found that they do). */
  readonly variables: Record<string, unknown>;
  /** The root field, for metrics. */
  readonly field: string;
}

export interface SubscriptionPath {
  /**
   * Prepares the document (parsed and validated once per document and operation name) and
   * checks the operation with the pipeline's check, as HTTP's paths do: cost, `@auth`,
   * variables, argument limits, the BFF's own checks, and only subscriptions here.
   *
   * @returns the checked subscription, or the errors that refuse it, with the codes HTTP
   * answers: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, OPERATION_RESOLUTION_FAILURE,
   * BAD_USER_INPUT (variables that do not coerce), and the check's (OPERATION_LIMIT_EXCEEDED,
   * UNAUTHENTICATED, FORBIDDEN, BAD_REQUEST, a BFF check's code).
   */
  check(request: SubscriptionRequest, state: RequestState, viewer: Viewer): Promise<CheckedSubscription | readonly GraphQLError[]>;
  /** Opens the source event stream (the root field's `subscribe`), or the result that refuses it. */
  subscribe(checked: CheckedSubscription, context: BffContext): Promise<AsyncIterable<unknown> | ExecutionResult>;
  /** Executes one event with the pipeline's executor (graphql-jit or graphql-js, as HTTP's). */
  execute(checked: CheckedSubscription, event: unknown, context: BffContext): Promise<ExecutionResult> | ExecutionResult;
}

/**
 * The subscription transports' side of the operation pipeline (src/subscriptions serves
 * WebSocket and SSE; this is what it runs per subscribe and per event): a thin adapter, like
 * apolloPlugins.ts and fastPath.ts, with no step of its own. What differs from HTTP is only
 * where the document comes from (a subscribe message, parsed here since no Apollo Server
 * caches it) and that one subscribe runs the document once per event.
 *
 * @param maxDocuments prepared documents kept (by hash and operation name); default 1000.
 */
export function createSubscriptionPath(pipeline: OperationPipeline, maxDocuments = 1000): SubscriptionPath {
  const { schema } = pipeline;
  const documents = new LRUCache<string, PreparedOperation | readonly GraphQLError[]>({ max: maxDocuments });

  return {
    async check(request, state, viewer) {
      const key = `${request.hash}:${request.operationName ?? ''}`;
      let prepared = documents.get(key);
      if (prepared === undefined) documents.set(key, (prepared = pipeline.prepare.source(request.query, request.operationName)));
      if (!('type' in prepared)) return prepared;
      let checked;
      try {
        checked = await pipeline.check(state, prepared, request.variables, request.hash, viewer, 'subscription');
      } catch (error) {
        const refusal = asBffError(error);
        if (!refusal) throw error;
        return [refusal];
      }
      if (checked.variables === undefined) return variableErrors(prepared, request.variables);
      const root = prepared.operation.selectionSet.selections.find((s) => s.kind === 'Field');
      return { prepared, variables: request.variables, field: root?.kind === 'Field' ? root.name.value : 'unknown' };
    },
    subscribe(checked, context) {
      return pipeline.subscribe(checked.prepared, context, checked.variables);
    },
    execute(checked, event, context) {
      return pipeline.execute(checked.prepared, context, checked.variables, true, event);
    },
  };

  /** graphql-js's words for variables that do not coerce, coded BAD_USER_INPUT as Apollo codes them over HTTP. */
  function variableErrors(prepared: PreparedOperation, variables: Record<string, unknown>): readonly GraphQLError[] {
    const { errors = [] } = getVariableValues(schema, prepared.operation.variableDefinitions ?? [], variables);
    const refusals = errors.map(
      (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT } }),
    );
    return refusals.length > 0 ? refusals : [new GraphQLError('Invalid variables.', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
  }
}
