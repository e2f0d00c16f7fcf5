import { getNamedType, isInterfaceType, isObjectType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';

/**
 * A look-ahead path: the fields below a resolver's field that a prefetch asks `selects` about
 * (`['nodes', 'items', 'product']` below an `OrderConnection`). Declared with the type (or the
 * field coordinate, `Query.myOrders`) it starts from, so that buildBffSchema can check it at
 * start-up: a path that a schema change broke would otherwise just never match, and the
 * prefetch would silently stop (every row back to a promise, or to a call of its own).
 */
export interface LookAhead {
  /** A type name (`OrderConnection`) or a field coordinate (`Query.myOrders`): where `path` starts. */
  readonly from: string;
  readonly path: readonly string[];
}

/** @returns the look-ahead `path` below `from` (checked later by checkLookAheads). */
export function lookAhead(from: string, path: readonly string[]): LookAhead {
  if (path.length === 0) throw new TypeError(`lookAhead(${from}): the path is empty`);
  return Object.freeze({ from, path: Object.freeze([...path]) });
}

/**
 * Checks each look-ahead against `schema`: `from` names a type or field, and each step of the
 * path is a field of the type the step before returns (lists and non-null unwrapped).
 * @throws TypeError naming the first look-ahead that does not fit and where it breaks.
 */
export function checkLookAheads(schema: GraphQLSchema, lookAheads: Iterable<LookAhead>): void {
  for (const { from, path } of lookAheads) {
    const fail = (why: string) => new TypeError(`look-ahead ${from} → ${path.join('.')}: ${why}`);
    const [typeName, fieldName] = from.split('.') as [string, string | undefined];
    let type: GraphQLNamedType | undefined = schema.getType(typeName);
    if (!type) throw fail(`the schema has no type ${typeName}`);
    const steps = fieldName === undefined ? path : [fieldName, ...path];
    let at = typeName;
    for (const step of steps) {
      if (!isObjectType(type) && !isInterfaceType(type)) throw fail(`${at} has no fields (it is not an object or interface type)`);
      const field: ReturnType<typeof type.getFields>[string] | undefined = type.getFields()[step];
      if (!field) throw fail(`${type.name} has no field ${step}`);
      at = `${type.name}.${step}`;
      type = getNamedType(field.type);
    }
  }
}
