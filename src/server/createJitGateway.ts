import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import {
  execute,
  GraphQLError,
  // From the package root: a deep `graphql/execution/…` import would load the CommonJS copy
  // of graphql, whose type checks reject this (ESM) schema's types.
  getVariableValues,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** Apollo Server's gateway interface, as its constructor takes it (the package does not re-export the type). */
type Gateway = ApolloServerOptionsWithGateway<never>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

export interface JitGatewayOptions {
  /** Compiled operations kept, keyed by Apollo's query hash and operation name. Default 1000. */
  maxCompiledOperations?: number;
}

const tracer = trace.getTracer('graphql-bff/jit-executor');

/** Why an operation runs on graphql-js instead of its compiled form. */
type Fallback = 'introspection' | 'not_compilable';

/**
 * A compiled executor for Apollo Server 5, plugged in through its `gateway` option (there
 * is no official executor hook): Apollo still parses, validates (with its document cache),
 * runs every request-level plugin hook and formats errors; only `execute` is replaced by a
 * graphql-jit function compiled once per distinct operation.
 *
 * Why: GraphQL execution, not the backends, is where a batched BFF spends its CPU; graphql-jit
 * turns the per-field interpretation of graphql-js into straight-line code per operation
 * (see docs/performance.md for the measured gain).
 *
 * What stays on graphql-js, so that results and errors stay those of graphql-js:
 * - requests whose `operationName` names no operation of the document (Apollo leaves that to
 *   the executor when there is a gateway);
 * - requests whose variables do not coerce (graphql-js's messages are what Apollo recognises
 *   as BAD_USER_INPUT and answers with 400);
 * - introspection (`__schema`/`__type` at the root), which is rare and not worth compiling;
 * - any document graphql-jit refuses to compile.
 * Costs: no per-field plugin hooks (`willResolveField`), no per-resolver spans from the
 * OpenTelemetry graphql instrumentation (the operation span is kept, made here), and no
 * `@defer`; none of them is used here.
 *
 * @returns a gateway whose `load()` hands Apollo the schema (through `onSchemaLoadOrUpdate`,
 * before `load` resolves, as Apollo requires) and the executor.
 */
export function createJitGateway(schema: GraphQLSchema, options: JitGatewayOptions = {}): Gateway {
  const compiled = new LRUCache<string, CompiledQuery | Fallback>({ max: options.maxCompiledOperations ?? 1000 });
  const listeners = new Set<Parameters<Gateway['onSchemaLoadOrUpdate']>[0]>();

  const executor: GatewayExecutor = async (requestContext) => {
    const { document, operation, operationName, queryHash, request, context } = requestContext;
    const variables = request.variables ?? {};
    const graphqlJs = (): Promise<ExecutionResult> | ExecutionResult =>
      execute({ schema, document, contextValue: context, variableValues: variables, operationName });
    // No operation of that name in the document: graphql-js's error is the one Apollo expects
    // back from an executor, and answers as OPERATION_RESOLUTION_FAILURE.
    // (Apollo's `operationName` is then undefined; the request's is the one graphql-js must see.)
    if (!operation) return execute({ schema, document, contextValue: context, variableValues: variables, operationName: request.operationName ?? null });
    const key = `${queryHash}:${operationName ?? ''}`;
    let entry = compiled.get(key);
    if (entry === undefined) {
      entry = compileOperation(schema, document, operation, operationName);
      compiled.set(key, entry);
    }
    if (typeof entry === 'string') return graphqlJs();
    // Coercion with graphql-js first: a bad variable gets graphql-js's own error (and Apollo's
    // 400), and the compiled function only ever sees variables that coerce.
    if (operation.variableDefinitions?.length && 'errors' in getVariableValues(schema, operation.variableDefinitions, variables)) {
      return graphqlJs();
    }
    return executeCompiled(entry.query, operation, operationName, context, variables);
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // Apollo reads the schema from this callback, and needs it before `load` resolves.
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {
      listeners.clear();
      compiled.clear();
    },
  };
}

/**
 * Compiles one operation of a validated document with graphql-jit, or says why it stays on
 * graphql-js: introspection (`__schema`/`__type` at the root), or a document graphql-jit
 * refuses. Used by the jit executor per distinct operation and by the fast path at start.
 */
export function compileOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  operationName: string | null | undefined,
): CompiledQuery | Fallback {
  if (operation.selectionSet.selections.some((s) => s.kind === 'Field' && (s.name.value === '__schema' || s.name.value === '__type'))) {
    return 'introspection';
  }
  // Stack traces of the wrapping errors are never shown: the original error keeps its own.
  const result = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
  return isCompiledQuery(result) ? result : 'not_compilable';
}

/**
 * Runs a compiled operation inside the operation span OpenTelemetry's graphql instrumentation
 * would have made (it wraps graphql-js's `execute`, which a compiled operation never calls;
 * without a registered SDK the API's tracer is a no-op), with graphql-js's error objects.
 */
export function executeCompiled(
  query: CompiledQuery['query'],
  operation: OperationDefinitionNode,
  operationName: string | null | undefined,
  context: unknown,
  variables: Record<string, unknown>,
): Promise<ExecutionResult> {
  return tracer.startActiveSpan(`${operation.operation} ${operationName ?? ''}`.trim(), { attributes: {
    'graphql.operation.type': operation.operation,
    ...(operationName && { 'graphql.operation.name': operationName }),
  } }, async (span) => {
    try {
      const result = (await query(undefined, context, variables)) as ExecutionResult;
      if (result.errors?.length) return { ...result, errors: result.errors.map(asGraphqlJsError) };
      return result;
    } finally {
      span.end();
    }
  });
}

/**
 * graphql-jit's errors look like graphql-js's but are not quite: `extensions` is undefined
 * when the thrown error had none (graphql-js gives `{}`, and formatters read from it). The
 * same error rebuilt as graphql-js builds it; only failed requests pay for this.
 */
function asGraphqlJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    ...(error.path && { path: error.path }),
    ...(error.originalError && { originalError: error.originalError }),
    ...(error.extensions && { extensions: error.extensions }),
  });
  // graphql-jit has the locations but not the AST nodes graphql-js computes them from.
  if (error.locations) (rebuilt as { locations: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}
