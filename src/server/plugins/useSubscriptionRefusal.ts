import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../../context/BffContext.js';
import { BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';

/**
 * Refuses a `subscription` operation with BAD_REQUEST (400, reason `subscriptions_unsupported`)
 * before anything runs: HTTP serves queries and mutations only; subscriptions go over WebSocket
 * or SSE (src/subscriptions). Without it a subscription passes validation and fails in
 * execution as a 200 INTERNAL_SERVER_ERROR.
 */
export function useSubscriptionRefusal(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw BffError.request(ErrorCode.BAD_REQUEST, 'Subscriptions are served over WebSocket (graphql-transport-ws) on this URL and over SSE on /graphql/stream, not over HTTP POST or GET.', { reason: 'subscriptions_unsupported' });
        },
      };
    },
  };
}
