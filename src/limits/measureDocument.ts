import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** What the structural limits look at, measured on a parsed but not yet validated document. */
export interface DocumentShape {
  /** The deepest chain of nested fields, fragments expanded (introspection subtrees excluded). */
  depth: number;
  /** Aliased fields, as written in the document. */
  aliases: number;
  /** The most root fields of any operation, fragments at the root expanded. */
  rootFields: number;
  /** The most directives on any one field, fragment spread or inline fragment. */
  directivesPerField: number;
  /**
   * The most times one response name appears in one selection set, inline fragments and
   * fragment spreads in it expanded (validation compares every pair of them, whatever wraps them).
   */
  repeatedFields: number;
}

/**
 * Measures a document before Apollo validates it (createOperationGate), so a hostile
 * document is refused before the validation rules that are quadratic in repeated fields
 * (OverlappingFieldsCanBeMerged) ever see it. Runs in time linear in the document: each fragment is
 * measured once and memoised, so fragments that spread each other many times over cannot
 * make the walk exponential. Fragment cycles count as depth 0 here; validation refuses them.
 *
 * @returns the document's shape. Throws nothing.
 */
export function measureDocument(document: DocumentNode): DocumentShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }

  let aliases = 0;
  let directivesPerField = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION && definition.kind !== Kind.OPERATION_DEFINITION) continue;
    countAsWritten(definition.selectionSet);
  }
  function countAsWritten(selectionSet: SelectionSetNode): void {
    for (const selection of selectionSet.selections) {
      directivesPerField = Math.max(directivesPerField, selection.directives?.length ?? 0);
      if (selection.kind === Kind.FIELD && selection.alias) aliases++;
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) countAsWritten(selection.selectionSet);
    }
  }

  // Response names of each fragment with inline fragments and spreads expanded, memoised (the
  // walk stays linear however often fragments spread each other); `undefined` while measured.
  const fragmentNames = new Map<string, Map<string, number> | undefined>();
  /** How often each response name occurs in a selection set, what its fragments add included. */
  function responseNamesOf(selectionSet: SelectionSetNode, into = new Map<string, number>(), times = 1): Map<string, number> {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = (selection.alias ?? selection.name).value;
        into.set(name, (into.get(name) ?? 0) + times);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        responseNamesOf(selection.selectionSet, into, times);
      } else {
        const name = selection.name.value;
        if (!fragmentNames.has(name)) {
          const fragment = fragments.get(name);
          fragmentNames.set(name, undefined);
          if (fragment) fragmentNames.set(name, responseNamesOf(fragment.selectionSet));
        }
        for (const [field, count] of fragmentNames.get(name) ?? []) into.set(field, (into.get(field) ?? 0) + count * times);
      }
    }
    return into;
  }
  let repeatedFields = 0;
  /** Checks the selection set of each field (and of each operation and fragment) once. */
  function countRepeated(selectionSet: SelectionSetNode): void {
    for (const count of responseNamesOf(selectionSet).values()) repeatedFields = Math.max(repeatedFields, count);
    visitFieldSets(selectionSet);
  }
  function visitFieldSets(selectionSet: SelectionSetNode): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && selection.selectionSet) countRepeated(selection.selectionSet);
      // An inline fragment's names were counted with its parent's; its fields' sets are its own.
      else if (selection.kind === Kind.INLINE_FRAGMENT) visitFieldSets(selection.selectionSet);
    }
  }
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION || definition.kind === Kind.OPERATION_DEFINITION)
      countRepeated(definition.selectionSet);
  }

  // Depth and root-field counts of each fragment, memoised; `undefined` while being measured.
  const fragmentDepth = new Map<string, number | undefined>();
  const fragmentRootFields = new Map<string, number | undefined>();

  function depthOf(selectionSet: SelectionSetNode): number {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // Introspection is off in production; in development Sandbox's own query is deep.
        if (selection.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet));
      } else {
        deepest = Math.max(deepest, memo(fragmentDepth, selection.name.value, depthOf));
      }
    }
    return deepest;
  }

  function rootFieldsOf(selectionSet: SelectionSetNode): number {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) count += selection.name.value === '__typename' ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldsOf(selection.selectionSet);
      else count += memo(fragmentRootFields, selection.name.value, rootFieldsOf);
    }
    return count;
  }

  function memo(cache: Map<string, number | undefined>, name: string, measure: (set: SelectionSetNode) => number): number {
    if (cache.has(name)) return cache.get(name) ?? 0;
    const fragment = fragments.get(name);
    if (!fragment) return 0;
    cache.set(name, undefined);
    const value = measure(fragment.selectionSet);
    cache.set(name, value);
    return value;
  }

  let depth = 0;
  let rootFields = 0;
  for (const operation of operations) {
    depth = Math.max(depth, depthOf(operation.selectionSet));
    rootFields = Math.max(rootFields, rootFieldsOf(operation.selectionSet));
  }
  return { depth, aliases, rootFields, directivesPerField, repeatedFields };
}
