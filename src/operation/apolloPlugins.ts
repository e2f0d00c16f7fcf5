import type { ApolloServerOptionsWithGateway, ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { execute, getVariableValues } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { RequestState, requestStateOf } from '../http/requestState.js';
import { finishResult, logUnexpectedErrors, maskError, stacksOf } from './formatResult.js';
import { legacyJsonStatus } from './legacyJsonStatus.js';
import type { OperationPipeline } from './OperationPipeline.js';

/**
 * Apollo Server's side of the operation pipeline: thin adapters from its hooks to the
 * pipeline's steps, which do the work (and which the fast path runs the same way).
 * - `formatError` (Apollo calls it per error, after its own normalisation): maskError;
 * - one plugin: check once the operation is resolved, log the errors, finish the result;
 * - with the jit executor, the `gateway` through which Apollo hands execution to `execute`.
 * Apollo keeps what only it does: parsing and validation with its document cache, APQ, CSRF
 * prevention, content negotiation and the HTTP response.
 */
export function formatErrorOf(pipeline: OperationPipeline) {
  const { mask } = pipeline.format;
  return (formatted: Parameters<typeof maskError>[0], error: unknown) => maskError(formatted, error, mask);
}

/** The plugin: check (didResolveOperation), log (didEncounterErrors), finish (willSendResponse). */
export function useOperationPipeline(pipeline: OperationPipeline): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      let stacks: (string[] | undefined)[] | undefined;
      const listener: GraphQLRequestListener<BffContext> = {
        async didResolveOperation({ contextValue, document, operation, operationName, queryHash, request }) {
          const state = requestStateOf(contextValue) ?? new RequestState(contextValue.requestId, contextValue.now, {}, '');
          if (!operation) {
            // Apollo answers a missing operation itself, after this hook.
            state.operationName = operationName ?? undefined;
            state.documentHash = queryHash;
            return;
          }
          await pipeline.check(state, pipeline.prepare(document, operation), request.variables ?? {}, queryHash, contextValue.viewer);
        },
        async didEncounterErrors({ contextValue, errors }) {
          logUnexpectedErrors(contextValue, errors);
          stacks = stacksOf(errors, requestStateOf(contextValue), pipeline.format);
        },
        async willSendResponse({ contextValue, response, queryHash, request, document, operation }) {
          const state = requestStateOf(contextValue);
          // A document that failed to parse or validate never resolved; its hash still groups
          // the log lines of one bad client.
          if (state) state.documentHash ??= queryHash;
          // The same `Cache-Control` as the fast path's (src/cache/responseCachePolicy.ts).
          const clean = response.body.kind === 'single' && !response.body.singleResult.errors;
          const prepared = clean && document && operation ? pipeline.prepare(document, operation) : undefined;
          response.http.headers.set('cache-control', pipeline.cacheControl(prepared, !clean, state?.routing));
          if (response.body.kind !== 'single') return;
          const result = finishResult(response.body.singleResult, contextValue, state, stacks);
          response.body.singleResult = result;
          response.http.status = legacyJsonStatus(response.http.status, result, request.http?.headers.get('accept'));
        },
      };
      return listener;
    },
  };
}

/** Apollo Server's gateway interface, as its constructor takes it (the package does not re-export the type). */
type Gateway = ApolloServerOptionsWithGateway<never>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/**
 * The jit executor's way into Apollo Server 5, through its `gateway` option (there is no
 * official executor hook): Apollo still parses, validates and runs the plugin above; only
 * execution is the pipeline's `execute`, with the check's decision on the variables.
 *
 * @returns a gateway whose `load()` hands Apollo the schema (through `onSchemaLoadOrUpdate`,
 * before `load` resolves, as Apollo requires) and the executor.
 */
export function operationGateway(pipeline: OperationPipeline): Gateway {
  const { schema } = pipeline;
  const listeners = new Set<Parameters<Gateway['onSchemaLoadOrUpdate']>[0]>();
  const executor: GatewayExecutor = async ({ document, operation, request, context }) => {
    const variables = request.variables ?? {};
    // No operation of that name in the document: graphql-js's error is the one Apollo expects
    // back from an executor, and answers as OPERATION_RESOLUTION_FAILURE.
    // (Apollo's `operationName` is then undefined; the request's is the one graphql-js must see.)
    if (!operation)
      return execute({ schema, document, contextValue: context, variableValues: variables, operationName: request.operationName ?? null });
    const bff = context as BffContext;
    const checked = requestStateOf(bff)?.checked;
    const coerces = checked
      ? checked.variables !== undefined
      : !operation.variableDefinitions?.length || !('errors' in getVariableValues(schema, operation.variableDefinitions, variables));
    return pipeline.execute(pipeline.prepare(document, operation), bff, variables, coerces);
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
    },
  };
}
