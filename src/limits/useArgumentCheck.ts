import type { ApolloServerPlugin } from '@apollo/server';
import { getVariableValues } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { checkArguments, DEFAULT_ARGUMENT_RULES, type ArgumentRules } from './checkArguments.js';

/**
 * Refuses an operation with an `ID` or `String` argument that breaks `rules` (checkArguments)
 * with BAD_USER_INPUT (400), before any resolver runs and so before any backend call: a 20 KB
 * id never reaches a URL, however the client sends it (literal, variable, persisted operation).
 * Runs on every request after validation, like the cost limit, because variables change.
 */
export function useArgumentCheck(rules: Readonly<ArgumentRules> = DEFAULT_ARGUMENT_RULES): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return; // Apollo answers a missing operation itself, after this hook.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          // Variables that do not coerce: graphql-js refuses them with its own BAD_USER_INPUT.
          if (coerced.errors) return;
          const refusal = checkArguments(schema, document, operation, coerced.coerced, rules);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
