import { trace } from '@opentelemetry/api';
import {
  createSourceEventStream,
  execute,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { withoutStackTraces } from '../errors/BffError.js';
import type { Fallback, PreparedOperation } from './prepare.js';

/** Which executor runs operations: graphql-jit's compiled functions, or graphql-js's interpreter. */
export type Executor = 'jit' | 'graphql-js';

const tracer = trace.getTracer('graphql-bff/jit-executor');

/**
 * The third step: runs a checked operation with graphql-jit (compiled once per prepared
 * operation, the first time it runs) or with graphql-js.
 *
 * Why jit: GraphQL execution, not the backends, is where a batched BFF spends its CPU;
 * graphql-jit turns graphql-js's per-field interpretation into straight-line code per
 * operation (see docs/performance.md for the measured gain).
 *
 * What stays on graphql-js even with `jit`, so that results and errors stay graphql-js's:
 * - variables that do not coerce (`coerces` false): graphql-js's messages are what Apollo
 *   recognises as BAD_USER_INPUT and answers with 400;
 * - introspection (`__schema`/`__type` at the root), which is rare and not worth compiling;
 * - any document graphql-jit refuses to compile.
 * The compiled function is given the variables as sent: it coerces them itself, in its own
 * compiled code (the check coerced them with graphql-js only to learn whether they coerce).
 * Costs of jit: no per-field plugin hooks, no per-resolver spans from the OpenTelemetry
 * graphql instrumentation (the operation span is kept, made here), and no `@defer`; none of
 * them is used here.
 *
 * A subscription's events run here too, one execution per event with the event as the root
 * value (what graphql-js's `subscribe` does with each event of the source stream, which
 * subscribeOperation opens).
 */
export function executeOperation(
  schema: GraphQLSchema,
  executor: Executor,
  prepared: PreparedOperation,
  context: unknown,
  variables: Record<string, unknown>,
  coerces: boolean,
  rootValue?: unknown,
): Promise<ExecutionResult> | ExecutionResult {
  const graphqlJs = () =>
    execute({
      schema,
      document: prepared.document,
      rootValue,
      contextValue: context,
      variableValues: variables,
      operationName: prepared.name,
    });
  if (executor === 'graphql-js' || !coerces) return graphqlJs();
  prepared.compiled ??= compileOperation(schema, prepared.document, prepared.operation, prepared.name);
  if (typeof prepared.compiled === 'string') return graphqlJs();
  return executeCompiled(prepared.compiled, prepared.operation, prepared.name, context, variables, rootValue);
}

/**
 * The other half of a subscription: graphql-js's source event stream (the root field's
 * `subscribe` resolver, run once); each of its events is then executed by executeOperation.
 *
 * @returns the stream, or the result that refuses it (the resolver threw: its error, located).
 */
export function subscribeOperation(
  schema: GraphQLSchema,
  prepared: PreparedOperation,
  context: unknown,
  variables: Record<string, unknown>,
): Promise<AsyncIterable<unknown> | ExecutionResult> {
  return Promise.resolve(
    createSourceEventStream({
      schema,
      document: prepared.document,
      contextValue: context,
      variableValues: variables,
      operationName: prepared.name,
    }),
  );
}

/**
 * Compiles one operation of a validated document with graphql-jit, or says why it stays on
 * graphql-js: introspection (`__schema`/`__type` at the root), or a document graphql-jit refuses.
 */
export function compileOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  operationName: string | null | undefined,
): CompiledQuery['query'] | Fallback {
  if (operation.selectionSet.selections.some((s) => s.kind === 'Field' && (s.name.value === '__schema' || s.name.value === '__type'))) {
    return 'introspection';
  }
  // Stack traces of the wrapping errors are never shown: the original error keeps its own.
  const result = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
  return isCompiledQuery(result) ? result.query : 'not_compilable';
}

/**
 * Runs a compiled operation inside the operation span OpenTelemetry's graphql instrumentation
 * would have made (it wraps graphql-js's `execute`, which a compiled operation never calls;
 * without a registered SDK the API's tracer is a no-op), with graphql-js's error objects.
 */
function executeCompiled(
  query: CompiledQuery['query'],
  operation: OperationDefinitionNode,
  operationName: string | null | undefined,
  context: unknown,
  variables: Record<string, unknown>,
  rootValue: unknown,
): Promise<ExecutionResult> {
  return tracer.startActiveSpan(
    `${operation.operation} ${operationName ?? ''}`.trim(),
    {
      attributes: {
        'graphql.operation.type': operation.operation,
        ...(operationName && { 'graphql.operation.name': operationName }),
      },
    },
    async (span) => {
      try {
        const result = (await query(rootValue, context, variables)) as ExecutionResult;
        if (result.errors?.length) return { ...result, errors: withoutStackTraces(() => result.errors!.map(asGraphqlJsError)) };
        return result;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * graphql-jit's errors look like graphql-js's but are not quite: `extensions` is undefined
 * when the thrown error had none (graphql-js gives `{}`, and formatters read from it). The
 * same error rebuilt as graphql-js builds it; only answers with errors pay for this. Callers
 * rebuild without capturing stacks (`withoutStackTraces`): a rebuilt error's stack is its
 * original error's (GraphQLError copies it), and an answer can carry hundreds (a DEGRADED field
 * in every row of a list) — capturing one for each was the largest single item of an
 * overloaded BFF's profile while it degraded.
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
