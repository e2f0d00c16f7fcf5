import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** A `@cacheControl` hint as the schema states it on a type or a field. */
interface Hint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  inheritMaxAge?: true;
}

/** How long, and for whom, a whole response may be cached. */
export interface ResponseCachePolicy {
  /** Seconds. */
  readonly maxAge: number;
  readonly scope: 'PUBLIC' | 'PRIVATE';
}

/** The header of a response that no cache may keep (Apollo Server's own words for it). */
export const NO_STORE = 'no-store';

/**
 * The `Cache-Control` of an operation's responses, from the `@cacheControl` hints of the
 * schema (schema/common/directives.graphql), by the rules of Apollo Server's cache-control
 * plugin with its defaults (`defaultMaxAge: 0`, `calculateHttpHeaders: true`):
 * - each selected field's policy is its return type's hint (object, interface or union), then
 *   its own hint over it (`inheritMaxAge` on the field only when the type set no `maxAge`);
 * - a root field, or a field returning an object/interface/union, that ends without a `maxAge`
 *   (and does not inherit) gets 0; a scalar or enum field without one restricts nothing (it has
 *   its parent's);
 * - the response's policy is the smallest `maxAge` of all, `PRIVATE` if any field says so;
 * - the header is `max-age=<n>, public|private` when that is above 0 and the response has no
 *   errors, else `no-store`.
 *
 * Apollo applies these rules to the fields it **resolves**; this applies them to every field
 * the document **selects** (in every fragment, whatever `@skip`/`@include` decide), once per
 * document. The two differ only when a list is empty or an object null, so that Apollo never
 * reaches the fields below; this is then the shorter (or `private`, or `no-store`), never the
 * longer. Two more conservative rules: a field with `@auth` is never cacheable (its answer
 * depends on who asks), and neither is a mutation or a subscription.
 *
 * Both paths use it (the fast path and Apollo Server's, through the operation pipeline), so
 * they send the same header; Apollo's own plugin is not installed: it wraps every resolver of
 * the schema, which the fast path shares (see createApolloServer.ts), and the test
 * test/integration/responseCacheControl.test.ts runs it beside this to show they agree.
 *
 * One rule of the kit's own beyond Apollo's: a request that routing experiments assigned to
 * variants (src/routing: another catalog, another ranking of the featured strip) may get an
 * answer another viewer would not, so its `public` becomes `private` (the viewer's own cache
 * may keep it; a shared one may not).
 *
 * @returns the header of one response: of `prepared` (undefined when no operation was
 * resolved), given whether the response has errors and the request's routing; memoised per
 * operation node.
 */
export function createResponseCacheControl(schema: GraphQLSchema): ResponseCacheControl {
  const byOperation = new WeakMap<OperationDefinitionNode, string>();
  const typeHints = new Map<GraphQLNamedType, Hint>();
  const fieldHints = new Map<GraphQLField<unknown, unknown>, Hint>();
  const typeHint = (type: GraphQLNamedType): Hint => {
    let hint = typeHints.get(type);
    if (!hint) {
      hint = hintOf(type.astNode?.directives);
      for (const node of type.extensionASTNodes) hint ??= hintOf(node.directives);
      hint ??= {};
      typeHints.set(type, hint);
    }
    return hint;
  };
  const fieldHint = (field: GraphQLField<unknown, unknown>): Hint => {
    let hint = fieldHints.get(field);
    if (!hint) {
      const directives = field.astNode?.directives;
      // @auth: the answer depends on who asks; never cached, whatever the hints say.
      hint = directives?.some((d) => d.name.value === 'auth') ? { maxAge: 0, scope: 'PRIVATE' } : (hintOf(directives) ?? {});
      fieldHints.set(field, hint);
    }
    return hint;
  };

  return (prepared, hasErrors, routing) => {
    if (hasErrors || !prepared) return NO_STORE;
    const { document, operation } = prepared;
    let header = byOperation.get(operation);
    if (header === undefined) {
      const policy = operation.operation === 'query' ? policyOf(schema, document, operation, typeHint, fieldHint) : undefined;
      header = policy ? `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}` : NO_STORE;
      byOperation.set(operation, header);
    }
    if (routing && header.endsWith(', public') && Object.keys(routing.assignments).length > 0)
      return `${header.slice(0, -', public'.length)}, private`;
    return header;
  };
}

/** See createResponseCacheControl. */
export type ResponseCacheControl = (
  prepared: { readonly document: DocumentNode; readonly operation: OperationDefinitionNode } | undefined,
  hasErrors: boolean,
  routing: { readonly assignments: Readonly<Record<string, string>> } | undefined,
) => string;

/** @returns `response` (the fast path's) with its `Cache-Control` set. */
export function withCacheControl<R extends { headers: ReadonlyMap<string, string> | undefined }>(response: R, value: string): R {
  const headers = new Map(response.headers);
  headers.set('cache-control', value);
  return { ...response, headers };
}

/** @returns the policy of a query's responses, or undefined when they may not be cached. */
function policyOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  typeHint: (type: GraphQLNamedType) => Hint,
  fieldHint: (field: GraphQLField<unknown, unknown>) => Hint,
): ResponseCachePolicy | undefined {
  const root = schema.getQueryType();
  if (!root) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const visited = new Set<string>();
  let maxAge: number | undefined;
  let scope: 'PUBLIC' | 'PRIVATE' | undefined;
  const restrict = (hint: Hint) => {
    if (hint.maxAge !== undefined && (maxAge === undefined || hint.maxAge < maxAge)) maxAge = hint.maxAge;
    if (hint.scope !== undefined && scope !== 'PRIVATE') scope = hint.scope;
  };

  const visit = (set: SelectionSetNode, parent: GraphQLCompositeType, isRoot: boolean): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (on && isCompositeType(on)) visit(selection.selectionSet, on, isRoot);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue;
        visited.add(name);
        const on = schema.getType(fragment.typeCondition.name.value);
        if (on && isCompositeType(on)) visit(fragment.selectionSet, on, isRoot);
        continue;
      }
      const name = selection.name.value;
      // __typename, and the introspection fields: no resolver Apollo hooks, so no hint.
      if (name.startsWith('__')) {
        if (isRoot && name !== '__typename') restrict({ maxAge: 0 });
        continue;
      }
      // Apollo reads the hints of the field of the object type it resolves: on an interface,
      // any implementation's may apply, so each one's counts.
      const owners = isObjectType(parent) ? [parent] : isInterfaceType(parent) ? schema.getPossibleTypes(parent) : [];
      const targets = new Set<GraphQLCompositeType>();
      for (const owner of owners) {
        const field = owner.getFields()[name];
        if (!field) continue;
        const target = fieldPolicy(field, isRoot);
        if (target && selection.selectionSet) targets.add(target);
      }
      for (const target of targets) visit(selection.selectionSet!, target, false);
    }
  };
  /** Apollo's willResolveField, hint for hint; restricts the response's policy by the field's. @returns its composite type. */
  const fieldPolicy = (field: GraphQLField<unknown, unknown>, isRoot: boolean): GraphQLCompositeType | undefined => {
    const target = getNamedType(field.type);
    const composite = isCompositeType(target);
    const policy: Hint = {};
    let inherit = false;
    if (composite) {
      const hint = typeHint(target);
      replace(policy, hint);
      inherit = hint.inheritMaxAge === true;
    }
    const own = fieldHint(field);
    if (own.inheritMaxAge && policy.maxAge === undefined) {
      inherit = true;
      if (own.scope) policy.scope = own.scope;
    } else replace(policy, own);
    if (policy.maxAge === undefined && ((composite && !inherit) || isRoot)) policy.maxAge = 0;
    restrict(policy);
    return composite ? target : undefined;
  };
  visit(operation.selectionSet, root, true);
  if (maxAge === undefined || maxAge === 0) return undefined;
  return { maxAge, scope: scope ?? 'PUBLIC' };
}

function replace(policy: Hint, hint: Hint): void {
  if (hint.maxAge !== undefined) policy.maxAge = hint.maxAge;
  if (hint.scope !== undefined) policy.scope = hint.scope;
}

/** `@cacheControl(maxAge:, scope:, inheritMaxAge:)` as Apollo reads it (literal arguments only). */
function hintOf(directives: readonly ConstDirectiveNode[] | undefined): Hint | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive?.arguments) return undefined;
  const arg = (name: string) => directive.arguments!.find((a) => a.name.value === name)?.value;
  const scopeValue = arg('scope');
  const scopeName = scopeValue?.kind === Kind.ENUM ? scopeValue.value : undefined;
  const scope = scopeName === 'PUBLIC' || scopeName === 'PRIVATE' ? scopeName : undefined;
  const inheritValue = arg('inheritMaxAge');
  if (inheritValue?.kind === Kind.BOOLEAN && inheritValue.value) return scope ? { inheritMaxAge: true, scope } : { inheritMaxAge: true };
  const maxAgeValue = arg('maxAge');
  const hint: Hint = {};
  if (maxAgeValue?.kind === Kind.INT) hint.maxAge = Number.parseInt(maxAgeValue.value, 10);
  if (scope) hint.scope = scope;
  return hint;
}
