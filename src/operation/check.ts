import { getVariableValues, type GraphQLSchema } from 'graphql';
import { authorize } from '../auth/authorize.js';
import type { Viewer } from '../auth/Viewer.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { checkArguments, DEFAULT_ARGUMENT_RULES, type ArgumentRules } from '../limits/checkArguments.js';
import { estimateCost } from '../limits/estimateCost.js';
import { limitExceeded } from '../limits/limitExceeded.js';
import type { PreparedOperation } from './prepare.js';

export interface CheckOptions {
  /** The cost limit (estimateCost) per operation. */
  maxCost: number;
  /** Limits on `ID` and `String` arguments. Default DEFAULT_ARGUMENT_RULES. */
  argumentRules?: Readonly<ArgumentRules>;
}

/**
 * Where the operation came: over HTTP (queries and mutations) or on a subscription transport
 * (WebSocket, SSE: subscriptions only). Each refuses the other's operations.
 */
export type Transport = 'http' | 'subscription';

/**
 * The second step: whether this operation may run, with these variables, for this viewer,
 * decided before any resolver runs and so before any backend call. In order:
 * - a subscription over HTTP: BAD_REQUEST (400, reason `subscriptions_unsupported`); a query
 *   or mutation on a subscription transport: BAD_REQUEST (reason `subscriptions_only`);
 * - the estimated cost over the limit: OPERATION_LIMIT_EXCEEDED (400, reason `cost`); the
 *   cost depends on the variables (`first: $n`), so it is estimated per request;
 * - `@auth`: UNAUTHENTICATED (401) or FORBIDDEN (403) (authorize);
 * - the variables coerced, once: when they do not, the check stops there and says so, and
 *   graphql-js's own BAD_USER_INPUT is what the client gets (execute hands them to it);
 * - `ID`/`String` arguments against `argumentRules` (checkArguments): BAD_USER_INPUT (400),
 *   so a 20 KB id never reaches a URL, however it is sent (literal, variable, persisted).
 *
 * @returns the coerced variables (undefined when they do not coerce) and the estimated cost,
 * which the rate limits weigh the operation by.
 * @throws BffError for each refusal above.
 */
export function checkOperation(
  schema: GraphQLSchema,
  prepared: PreparedOperation,
  variables: Record<string, unknown>,
  viewer: Viewer,
  options: CheckOptions,
  transport: Transport = 'http',
): { variables: Record<string, unknown> | undefined; cost: number } {
  const { document, operation } = prepared;
  if (prepared.type === 'subscription' && transport === 'http') {
    throw BffError.request(
      ErrorCode.BAD_REQUEST,
      'Subscriptions are served over WebSocket (graphql-transport-ws) on this URL and over SSE on /graphql/stream, not over HTTP POST or GET.',
      { reason: 'subscriptions_unsupported' },
    );
  }
  if (prepared.type !== 'subscription' && transport === 'subscription') {
    throw BffError.request(ErrorCode.BAD_REQUEST, 'Only subscriptions are served here; send queries and mutations with POST /graphql.', {
      reason: 'subscriptions_only',
    });
  }
  const cost = estimateCost(schema, document, operation, variables);
  if (cost > options.maxCost) {
    const refusal = limitExceeded('cost', options.maxCost);
    throw BffError.request(refusal.code, refusal.message, { reason: refusal.extensions.reason, extensions: { limit: options.maxCost } });
  }
  authorize(viewer, prepared.requirement);
  let coerced: Record<string, unknown> = {};
  if (operation.variableDefinitions?.length) {
    const values = getVariableValues(schema, operation.variableDefinitions, variables);
    if (values.errors) return { variables: undefined, cost };
    coerced = values.coerced;
  }
  const refusal = checkArguments(schema, document, operation, coerced, options.argumentRules ?? DEFAULT_ARGUMENT_RULES);
  if (refusal) throw refusal;
  return { variables: coerced, cost };
}

/** @throws TypeError when the cost limit is not a positive integer (at start, not per request). */
export function assertCheckOptions(options: CheckOptions): void {
  if (!Number.isInteger(options.maxCost) || options.maxCost < 1)
    throw new TypeError(`checkOperation: maxCost must be a positive integer, got ${options.maxCost}`);
}
