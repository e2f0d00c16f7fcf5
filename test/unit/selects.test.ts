import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind, parse, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { selects } from '../../src/schema/selects.js';

/** The info of the document's first root field, as an executor hands it to that field's resolver. */
function infoOf(document: string): Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> {
  const ast = parse(document);
  const operation = ast.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    ast.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const root = operation.selectionSet.selections[0]!;
  assert.equal(root.kind, Kind.FIELD);
  return { fieldNodes: [root], fragments };
}

test('selects follows fields, inline fragments and fragment spreads', () => {
  const info = infoOf(`
    query { orders { nodes { id ...Items customer { ... on Customer { name } } } } }
    fragment Items on Order { items { product { title } } }
  `);
  assert.equal(selects(info, ['nodes', 'customer']), true);
  assert.equal(selects(info, ['nodes', 'customer', 'name']), true);
  assert.equal(selects(info, ['nodes', 'items', 'product']), true);
  assert.equal(selects(info, ['nodes', 'items', 'product', 'stock']), false);
  assert.equal(selects(info, ['pageInfo']), false);
});

test('a field under @skip or @include counts as not selected (a prefetch must not ask for it)', () => {
  const info = infoOf(
    'query($s: Boolean!) { orders { nodes { items @skip(if: $s) { product { id } } customer @include(if: true) { id } } } }',
  );
  assert.equal(selects(info, ['nodes', 'items', 'product']), false);
  assert.equal(selects(info, ['nodes', 'customer']), false);
});
