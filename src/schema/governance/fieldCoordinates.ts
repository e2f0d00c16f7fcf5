import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLField, type GraphQLSchema } from 'graphql';

/** A schema field an operation selects, as its coordinate (`ProductScreen.images`) and definition. */
export interface SelectedField {
  readonly coordinate: string;
  readonly field: GraphQLField<unknown, unknown>;
}

/**
 * @returns every schema field the document selects, once each, in document order (fragments
 * included; `__typename` and introspection fields left out). Fields the schema does not know
 * are skipped: validation reports those.
 */
export function selectedFields(schema: GraphQLSchema, document: DocumentNode): SelectedField[] {
  const typeInfo = new TypeInfo(schema);
  const seen = new Map<string, SelectedField>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD]() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || field.name.startsWith('__')) return;
        const coordinate = `${parent.name}.${field.name}`;
        if (!seen.has(coordinate)) seen.set(coordinate, { coordinate, field });
      },
    }),
  );
  return [...seen.values()];
}
