import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { loadTypeDefs } from './loadTypeDefs.js';
import { DateTimeScalar } from './scalars.js';

/**
 * @returns the executable schema of one BFF: the shared SDL plus `schema/<client>/`, with
 * the client's resolvers. Unknown resolver names fail at start-up, not at the first request.
 */
export function buildBffSchema(client: string, resolvers: IResolvers<unknown, BffContext>): GraphQLSchema {
  return makeExecutableSchema<BffContext>({
    typeDefs: loadTypeDefs(client),
    resolvers: [{ DateTime: DateTimeScalar }, resolvers],
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
}
