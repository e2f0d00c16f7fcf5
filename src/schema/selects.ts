import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const memo = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/**
 * Lookahead: whether the field being resolved selects `path` below it (`['nodes', 'items',
 * 'product']`), through fragments and inline fragments. A field under `@skip`/`@include` counts
 * as not selected, so a prefetch never asks a backend for what the request may not want.
 *
 * Answers are kept per field node (the same for every request of a compiled operation).
 */
export function selects(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): boolean {
  let answers = memo.get(info.fieldNodes);
  if (!answers) memo.set(info.fieldNodes, (answers = new Map()));
  const key = path.join('.');
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = walk(info, path);
    answers.set(key, answer);
  }
  return answer;
}

function walk(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): boolean {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    let found = false;
    const visit = (set: SelectionSetNode, seen: Set<string>): void => {
      for (const selection of set.selections) {
        if (selection.directives?.length) continue;
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value !== name) continue;
          found = true;
          if (selection.selectionSet) next.push(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          visit(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = info.fragments[selection.name.value];
          if (fragment) visit(fragment.selectionSet, seen);
        }
      }
    };
    for (const set of sets) visit(set, new Set());
    if (!found) return false;
    sets = next;
  }
  return true;
}
