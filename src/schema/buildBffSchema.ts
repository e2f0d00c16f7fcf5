import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { checkLookAheads, type LookAhead } from './lookAhead.js';
import { loadTypeDefs } from './loadTypeDefs.js';
import { DateTimeScalar } from './scalars.js';

/**
 * @returns the executable schema of one BFF: the SDL of `schemaDirs` (its profile's, shared
 * folders first) with the BFF's resolvers. Unknown resolver names fail at start-up, not at the
 * first request, and so do the resolvers' look-ahead paths that the schema does not have.
 * @throws TypeError naming a look-ahead path that does not fit the schema.
 */
export function buildBffSchema(
  schemaDirs: readonly string[],
  resolvers: IResolvers<unknown, BffContext>,
  lookAheads: Iterable<LookAhead> = [],
): GraphQLSchema {
  const schema = makeExecutableSchema<BffContext>({
    typeDefs: loadTypeDefs(schemaDirs),
    resolvers: [{ DateTime: DateTimeScalar }, resolvers],
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  checkLookAheads(schema, lookAheads);
  return schema;
}
