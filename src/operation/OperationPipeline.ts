import type { GraphQLSchema } from 'graphql';
import type { Viewer } from '../auth/Viewer.js';
import { createResponseCacheControl, type ResponseCacheControl } from '../cache/responseCachePolicy.js';
import type { BffContext } from '../context/BffContext.js';
import { admitOperation } from '../http/rateLimit.js';
import type { RequestState, CheckedOperation } from '../http/requestState.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';
import type { FieldUsage } from '../observability/createFieldUsage.js';
import { assertCheckOptions, checkOperation, type CheckOptions, type Transport } from './check.js';
import { executeOperation, subscribeOperation, type Executor } from './execute.js';
import type { FormatOptions } from './formatResult.js';
import { createPrepare, type Prepare, type PreparedOperation } from './prepare.js';

/** A BFF's own check of an operation, run by both paths after the kit's (throw a BffError to refuse). */
export type OperationCheck = (operation: {
  readonly prepared: PreparedOperation;
  /** The coerced variables. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly viewer: Viewer;
  readonly state: RequestState;
}) => void | Promise<void>;

export interface OperationPipelineOptions {
  schema: GraphQLSchema;
  executor: Executor;
  check: CheckOptions;
  format: FormatOptions;
  /** Counts which client versions select which fields; both paths record. */
  fieldUsage?: FieldUsage;
  /** The operation half of rate limiting (src/http/rateLimit.ts: cost weight, operation budgets, mutations), when rate limits are on. */
  rateLimiter?: RateLimiter;
  /** The BFF's own checks, after the kit's. Default none. */
  checks?: readonly OperationCheck[];
}

/**
 * The one set of steps every GraphQL operation goes through, whichever path carries it:
 * prepare (once per document), check, execute, format. Apollo Server runs them from its
 * hooks (apolloPlugins.ts), the fast path runs them itself (fastPath.ts), and so do the
 * subscription transports (subscriptionPath.ts); none has a step of its own, so a concern
 * added here reaches all three.
 */
export interface OperationPipeline {
  readonly schema: GraphQLSchema;
  readonly prepare: Prepare;
  /**
   * Records the operation in the request's outcome (name, type, document hash) and in the field
   * usage, then checks it (checkOperation, the BFF's checks, the operation's rate limits). A request
   * is checked once: a second call for the same operation (the fast path handing a request with
   * variables that do not coerce to Apollo) returns the first decision.
   *
   * @param hash SHA-256 of the document (Apollo's `queryHash`).
   * @param transport where it came: `http` (default) refuses subscriptions, `subscription` anything else.
   * @throws BffError when the operation is refused (see checkOperation).
   */
  check(
    state: RequestState,
    prepared: PreparedOperation,
    variables: Record<string, unknown>,
    hash: string,
    viewer: Viewer,
    transport?: Transport,
  ): Promise<CheckedOperation>;
  /**
   * Runs a checked operation (executeOperation), with the variables as sent; for a
   * subscription, one event (`rootValue`).
   */
  execute(
    prepared: PreparedOperation,
    context: BffContext,
    variables: Record<string, unknown>,
    coerces: boolean,
    rootValue?: unknown,
  ): ReturnType<typeof executeOperation>;
  /** Opens a checked subscription's source event stream (subscribeOperation); `execute` runs each event. */
  subscribe(prepared: PreparedOperation, context: BffContext, variables: Record<string, unknown>): ReturnType<typeof subscribeOperation>;
  readonly executor: Executor;
  readonly format: FormatOptions;
  /** A response's `Cache-Control`, from the schema's `@cacheControl` hints (src/cache/responseCachePolicy.ts); both paths set it. */
  readonly cacheControl: ResponseCacheControl;
}

/** @throws TypeError when an option is out of range (at start). */
export function createOperationPipeline(options: OperationPipelineOptions): OperationPipeline {
  const { schema, executor, fieldUsage, rateLimiter, checks = [] } = options;
  const checkOptions = options.check;
  assertCheckOptions(checkOptions);
  return {
    schema,
    executor,
    format: options.format,
    prepare: createPrepare(schema),
    cacheControl: createResponseCacheControl(schema),
    async check(state, prepared, variables, hash, viewer, transport = 'http') {
      const memo = state.checked;
      if (memo !== undefined && memo.hash === hash && memo.name === prepared.name) return memo;
      state.operationName = prepared.name;
      state.operationType = prepared.type;
      state.documentHash = hash;
      fieldUsage?.record(prepared.document, state.headers);
      const { variables: coerced, cost } = checkOperation(schema, prepared, variables, viewer, checkOptions, transport);
      if (coerced !== undefined) for (const check of checks) await check({ prepared, variables: coerced, viewer, state });
      if (rateLimiter) await admitOperation(rateLimiter, state, cost, prepared.name, prepared.type === 'mutation');
      return (state.checked = { hash, name: prepared.name, variables: coerced });
    },
    execute(prepared, context, variables, coerces, rootValue) {
      return executeOperation(schema, executor, prepared, context, variables, coerces, rootValue);
    },
    subscribe(prepared, context, variables) {
      return subscribeOperation(schema, prepared, context, variables);
    },
  };
}
