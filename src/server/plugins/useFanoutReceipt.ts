import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../../context/BffContext.js';

/**
 * Adds `extensions.fanout` (every backend call of the request, with totals) when the
 * context says so: asked for with `x-bff-debug: fanout`, and never in production.
 */
export function useFanoutReceipt(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (!contextValue.emitFanout || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, fanout: contextValue.scope.fanout.receipt() };
        },
      };
    },
  };
}
