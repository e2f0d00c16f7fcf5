import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLArgument,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** What a list field without `first` and without `@listSize` is assumed to hold. */
export const DEFAULT_LIST_SIZE = 10;

/** The argument that sizes a list (or, on a connection, the list of its `nodes`). */
const SLICING_ARGUMENT = 'first';

/**
 * Estimates what an operation will cost the backends, before it runs, as the number of
 * objects it may resolve:
 *
 * - a field returning an object costs 1, times the size of the list it is in; scalars are
 *   free (they come with their object);
 * - a list is as long as its `first` argument (the value sent, else the argument's default),
 *   capped by the field's `@listSize(max:)`, which also sizes lists that take no `first`;
 *   other lists count as DEFAULT_LIST_SIZE;
 * - `first` on a field that is not a list (a connection) sizes the list fields right below
 *   it (its `nodes`);
 * - every branch of a fragment on an abstract type counts (an upper bound).
 *
 * Runs on a validated operation, so fragments have no cycles; each fragment is costed once
 * per list size it is spread under (memoised), so the walk stays linear in the document.
 *
 * @returns the estimate (may be Infinity for absurd documents). Throws nothing.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): number {
  const listSize = schema.getDirective('listSize');
  // The operation's own variable defaults apply to variables the request left out.
  const values: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (values[name] === undefined && definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const memo = new Map<string, number>();

  function selectionSetCost(selectionSet: SelectionSetNode, parent: GraphQLCompositeType, pendingSize: number | undefined): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += fieldCost(selection, parent, pendingSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) cost += selectionSetCost(selection.selectionSet, type, pendingSize);
      } else {
        const key = `${selection.name.value}:${pendingSize ?? ''}`;
        let fragmentCost = memo.get(key);
        if (fragmentCost === undefined) {
          const fragment = fragments.get(selection.name.value);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          fragmentCost = fragment && type && isCompositeType(type) ? selectionSetCost(fragment.selectionSet, type, pendingSize) : 0;
          memo.set(key, fragmentCost);
        }
        cost += fragmentCost;
      }
    }
    return cost;
  }

  function fieldCost(node: FieldNode, parent: GraphQLCompositeType, pendingSize: number | undefined): number {
    if (!node.selectionSet || node.name.value.startsWith('__')) return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0;
    const type = getNamedType(field.type);
    if (!isCompositeType(type)) return 0;

    const bound = listSize ? maxOf(listSize, field) : undefined;
    const first = firstOf(node, field, values);
    const capped = (size: number | undefined) => (size === undefined || bound === undefined ? (size ?? bound) : Math.min(size, bound));
    if (isListType(getNullableType(field.type))) {
      const size = capped(first) ?? pendingSize ?? DEFAULT_LIST_SIZE;
      return size * (1 + selectionSetCost(node.selectionSet, type, undefined));
    }
    return 1 + selectionSetCost(node.selectionSet, type, capped(first));
  }

  return selectionSetCost(operation.selectionSet, schema.getRootType(operation.operation) as GraphQLCompositeType, undefined);
}

// A field's `@listSize(max:)` and its `first` argument are fixed by the schema: looked up once
// per field, not per field per request (getDirectiveValues was most of this function's cost).
const maxByField = new WeakMap<GraphQLField<unknown, unknown>, number | undefined>();
const firstArgByField = new WeakMap<GraphQLField<unknown, unknown>, GraphQLArgument | undefined>();

function maxOf(listSize: GraphQLDirective, field: GraphQLField<unknown, unknown>): number | undefined {
  if (maxByField.has(field)) return maxByField.get(field);
  const max = uncachedMaxOf(listSize, field);
  maxByField.set(field, max);
  return max;
}

function uncachedMaxOf(listSize: GraphQLDirective, field: GraphQLField<unknown, unknown>): number | undefined {
  if (!field.astNode) return undefined;
  const values = getDirectiveValues(listSize, field.astNode);
  return typeof values?.max === 'number' ? values.max : undefined;
}

/** The `first` the field will see: the literal, the variable's value, or the argument's default. */
function firstOf(node: FieldNode, field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): number | undefined {
  let definition = firstArgByField.get(field);
  if (definition === undefined && !firstArgByField.has(field)) {
    definition = field.args.find((arg) => arg.name === SLICING_ARGUMENT);
    firstArgByField.set(field, definition);
  }
  if (!definition) return undefined;
  const argument = node.arguments?.find((arg) => arg.name.value === SLICING_ARGUMENT);
  // A missing or null value leaves the resolver to its default, as the argument's default says.
  const sent: unknown = argument ? valueFromAST(argument.value, definition.type, variables) : undefined;
  const value = typeof sent === 'number' ? sent : definition.defaultValue;
  return typeof value === 'number' && value >= 0 ? value : undefined;
}
