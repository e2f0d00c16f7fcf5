import {
  getDirectiveValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { Viewer } from './Viewer.js';

/** What an operation asks of its viewer: the union of the `@auth` of every field it selects. */
export interface OperationRequirement {
  /** The first field (`Type.field`) with `@auth`: it needs a signed-in user or, when every such field lists scopes, a machine client holding them. */
  userField: string | undefined;
  /** The first field with a bare `@auth` (no scopes): only a signed-in user may select it. */
  userOnlyField?: string | undefined;
  /** Each scope needed, with the first field that needs it. */
  scopes: ReadonlyMap<string, string>;
}

/**
 * Enforces the schema's `@auth` directive (schema/common/directives.graphql) for a whole
 * operation, before anything runs (src/operation/check.ts calls it), so a refused request makes
 * no backend call at all. Every field the operation could select counts, whatever
 * `@skip`/`@include` or a fragment's type condition would decide at run time.
 *
 * @throws BffError UNAUTHENTICATED (401) or FORBIDDEN (403) unless `viewer` meets `requirement`.
 * The field that refused is in `extensions.field`; which scope is missing is in `reason`.
 */
export function authorize(viewer: Viewer, requirement: OperationRequirement): void {
  // Every `@auth` field needs a caller, so a requirement without a user field has no scopes either.
  if (requirement.userField === undefined) return;
  if (viewer.kind !== 'user' && !mayActAsMachine(viewer, requirement)) {
    throw BffError.request(ErrorCode.UNAUTHENTICATED, 'Sign in to do this.', {
      reason: 'no_user',
      extensions: { field: requirement.userOnlyField ?? requirement.userField },
    });
  }
  for (const [scope, field] of requirement.scopes) {
    if (!viewer.scopes.has(scope)) {
      throw BffError.request(ErrorCode.FORBIDDEN, `This needs the ${scope} scope.`, {
        reason: 'missing_scope',
        extensions: { field, scope },
      });
    }
  }
}

/**
 * A machine client (a scoped API key or a client-credentials token) stands in for a user on
 * `@auth(scopes: [...])` fields: the scopes are the whole grant there (the staff lists, a
 * customer's record), and it then needs every one of them like a user would. A bare `@auth`
 * means "the signed-in person" (their orders, their profile), which no machine is.
 */
function mayActAsMachine(viewer: Viewer, requirement: OperationRequirement): boolean {
  return (viewer.kind === 'apiKey' || viewer.kind === 'client') && viewer.scopes.size > 0 && requirement.userOnlyField === undefined;
}

/** @returns what `operation` (with the fragments it spreads) asks of its viewer. */
export function requirementOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationRequirement {
  const auth = schema.getDirective('auth');
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  let userField: string | undefined;
  let userOnlyField: string | undefined;
  const scopes = new Map<string, string>();
  const seenFragments = new Set<string>();

  function walk(selectionSet: SelectionSetNode, parent: GraphQLCompositeType): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const directive = auth && field.astNode && getDirectiveValues(auth, field.astNode);
        if (directive) {
          const coordinate = `${parent.name}.${field.name}`;
          userField ??= coordinate;
          if ((directive.scopes as string[]).length === 0) userOnlyField ??= coordinate;
          for (const scope of directive.scopes as string[]) if (!scopes.has(scope)) scopes.set(scope, coordinate);
        }
        const type = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(type)) walk(selection.selectionSet, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) walk(selection.selectionSet, type);
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type)) walk(fragment.selectionSet, type);
      }
    }
  }
  walk(operation.selectionSet, schema.getRootType(operation.operation) as GraphQLCompositeType);
  return { userField, userOnlyField, scopes };
}
