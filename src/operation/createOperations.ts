import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';
import { createFieldUsage, type FieldUsage } from '../observability/createFieldUsage.js';
import type { PersistedQueries } from '../persisted/createPersistedQueries.js';
import { createApolloServer } from './createApolloServer.js';
import { createFastPath, type FastPath } from './fastPath.js';
import { createOperationPipeline, type OperationCheck, type OperationPipeline } from './OperationPipeline.js';

export interface Operations {
  /** The steps (prepare, check, execute, format) every path runs, HTTP's and the subscription transports'. */
  readonly pipeline: OperationPipeline;
  /** The path for what the fast path does not take. */
  readonly apollo: ApolloServer<BffContext>;
  /** The path for the client's own queries, when it is on (FAST_PATH, with the jit executor). */
  readonly fastPath: FastPath | undefined;
  /** Which client versions select which fields (README, "Changing the schema"); every path records. */
  readonly fieldUsage: FieldUsage;
}

export interface CreateOperationsOptions {
  schema: GraphQLSchema;
  config: BffConfig;
  /** The client's manifest (the fast path's operations) and Apollo's APQ option. */
  persisted: PersistedQueries;
  /** The operation half of rate limiting, when rate limits are on. */
  rateLimiter: RateLimiter | undefined;
  /** The BFF's own checks, after the kit's. */
  checks: readonly OperationCheck[] | undefined;
}

/**
 * The operation side of a BFF from its configuration: one pipeline, and the paths that run it
 * over HTTP (Apollo Server; the fast path for the client's own queries). The subscription
 * transports take the same pipeline (src/subscriptions/useSubscriptions.ts).
 *
 * @returns the pipeline and its paths, Apollo Server started.
 */
export async function createOperations(options: CreateOperationsOptions): Promise<Operations> {
  const { schema, config, persisted } = options;
  const fieldUsage = createFieldUsage({ schema, maxVersions: config.metrics.maxClientVersions });
  const pipeline = createOperationPipeline({
    schema,
    executor: config.executor,
    check: { maxCost: config.operationLimits.cost },
    // Stack traces go to the log; outside production a client asks for a short one (`x-bff-debug: stack`).
    format: { mask: config.production, stacktraceOnRequest: !config.production },
    fieldUsage,
    rateLimiter: options.rateLimiter,
    checks: options.checks,
  });
  const apollo = await createApolloServer(pipeline, { config, persistedQueries: persisted.options });
  // The client's own queries skip Apollo Server, not the pipeline (fastPath.ts).
  const fastPath =
    config.fastPath && config.executor === 'jit' ? createFastPath({ pipeline, operations: persisted.operations }) : undefined;
  return { pipeline, apollo, fastPath, fieldUsage };
}
