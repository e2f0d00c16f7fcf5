import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../context/BffContext.js';
import { BffError } from '../errors/BffError.js';
import { estimateCost } from './estimateCost.js';
import { limitExceeded } from './limitExceeded.js';

/**
 * Refuses an operation whose estimated cost (estimateCost) is over `maxCost` with
 * OPERATION_LIMIT_EXCEEDED (400, reason `cost`), before any resolver runs. It runs on every
 * request after validation (`didResolveOperation`) because the cost depends on the variables
 * (`first: $n`), and Apollo skips parsing and validation for documents it has seen.
 */
export function useCostLimit(maxCost: number): ApolloServerPlugin<BffContext> {
  if (!Number.isInteger(maxCost) || maxCost < 1) throw new TypeError(`useCostLimit: maxCost must be a positive integer, got ${maxCost}`);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return; // Apollo answers a missing operation itself, after this hook.
          if (estimateCost(schema, document, operation, request.variables) <= maxCost) return;
          const refusal = limitExceeded('cost', maxCost);
          throw BffError.request(refusal.code, refusal.message, { reason: refusal.extensions.reason, extensions: { limit: maxCost } });
        },
      };
    },
  };
}
