import type { ApolloServerPlugin } from '@apollo/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { BffContext } from '../context/BffContext.js';
import type { FieldUsage } from './createFieldUsage.js';
import { CLIENT_NAME_HEADER, CLIENT_VERSION_HEADER } from './createFieldUsage.js';

/**
 * Counts field usage for the operations Apollo runs (the fast path records its own, with the
 * same FieldUsage): once the operation is resolved, its parsed document (from Apollo's cache)
 * is known.
 */
export function useFieldUsage(usage: FieldUsage): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const headers: IncomingHttpHeaders = {
            [CLIENT_NAME_HEADER]: request.http?.headers.get(CLIENT_NAME_HEADER),
            [CLIENT_VERSION_HEADER]: request.http?.headers.get(CLIENT_VERSION_HEADER),
          };
          usage.record(document, headers);
        },
      };
    },
  };
}
