import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { getDirectiveValues, type GraphQLSchema } from 'graphql';

/**
 * Introspection carries no applied directives (graphql-js does not expose them), so a
 * schema explorer cannot show which fields `@auth` guards. This says it in each guarded
 * field's description instead, where every explorer's docs show it:
 * "Requires a signed-in user with the scope `orders:read:all` (`@auth`)."
 *
 * Only descriptions change: resolvers, AST nodes (which `requirementOf` reads) and
 * everything else of each field are kept.
 *
 * @returns a copy of `schema` with the requirement of every `@auth` field in its description;
 * `schema` itself when it has no `@auth` directive.
 */
export function describeAuth(schema: GraphQLSchema): GraphQLSchema {
  const auth = schema.getDirective('auth');
  if (!auth) return schema;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      if (!field.astNode) return field;
      const values = getDirectiveValues(auth, field.astNode);
      if (!values) return field;
      const note = requirementNote((values.scopes as string[] | undefined) ?? []);
      return { ...field, description: field.description ? `${field.description}\n\n${note}` : note };
    },
  });
}

/** @returns the sentence describing one field's `@auth` requirement (Markdown, as descriptions are). */
export function requirementNote(scopes: readonly string[]): string {
  if (scopes.length === 0) return 'Requires a signed-in user (`@auth`).';
  const listed = scopes.map((s) => `\`${s}\``).join(', ');
  return `Requires a signed-in user with the scope${scopes.length > 1 ? 's' : ''} ${listed} (\`@auth\`).`;
}
