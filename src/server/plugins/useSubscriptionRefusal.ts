import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../../context/BffContext.js';
import { BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';

/**
 * Refuses a `subscription` operation with BAD_REQUEST (400, reason `subscriptions_unsupported`)
 * before anything runs: this endpoint serves queries and mutations only. Without it a
 * subscription passes validation and fails in execution as a 200 INTERNAL_SERVER_ERROR.
 *
 * The one place subscriptions are refused: the transport that serves them replaces this plugin.
 */
export function useSubscriptionRefusal(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw BffError.request(ErrorCode.BAD_REQUEST, 'Subscriptions are not supported on this endpoint.', { reason: 'subscriptions_unsupported' });
        },
      };
    },
  };
}
