import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, type OperationDefinitionNode } from 'graphql';
import { mobileResolvers } from '../../bff-mobile/resolvers/mobileResolvers.js';
import { webResolvers } from '../../bff-web/resolvers/webResolvers.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { BFFS } from '../fixtures/startBffs.js';
import { countTokens } from '../../src/limits/countTokens.js';
import { DEFAULT_LIST_SIZE, estimateCost } from '../../src/limits/estimateCost.js';
import { measureDocument } from '../../src/limits/measureDocument.js';
import { buildBffSchema } from '../../src/schema/buildBffSchema.js';
import { buildManifest } from '../../src/persisted/buildManifest.js';
import { fileURLToPath } from 'node:url';

const schemas = {
  mobile: buildBffSchema(BFFS.mobile.profile.schemaDirs, mobileResolvers),
  web: buildBffSchema(BFFS.web.profile.schemaDirs, webResolvers),
};
const cost = (client: 'mobile' | 'web', query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return estimateCost(
    schemas[client],
    document,
    document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode,
    variables,
  );
};

test('cost: objects count once per list item; scalars are free', () => {
  assert.equal(cost('web', '{ product(id: "1") { id title } }'), 1);
  assert.equal(cost('web', '{ product(id: "1") { price { formatted } images { thumb } } }'), 3);
  // A connection's `first` sizes its nodes: 1 + pageInfo + 7 nodes.
  assert.equal(cost('web', '{ products(first: 7) { pageInfo { hasNextPage } nodes { id } } }'), 1 + 1 + 7);
  // The argument's default applies when none is sent, the operation's variable default too.
  assert.equal(cost('web', '{ products { nodes { id } } }'), 1 + 20);
  assert.equal(cost('web', 'query ($n: Int = 3) { products(first: $n) { nodes { id } } }'), 1 + 3);
  assert.equal(cost('web', 'query ($n: Int = 3) { products(first: $n) { nodes { id } } }', { n: 9 }), 1 + 9);
  // @listSize caps what `first` asks for, and sizes lists without `first`.
  assert.equal(cost('web', '{ products(first: 5000) { nodes { id } } }'), 1 + 100);
  assert.equal(cost('mobile', '{ home { featured(first: 1000) { id } } }'), 1 + 20);
  // A list with neither: DEFAULT_LIST_SIZE.
  assert.equal(cost('web', '{ product(id: "1") { stock { warehouses { name } } } }'), 1 + 1 + DEFAULT_LIST_SIZE);
  // Nesting multiplies, through fragments too.
  const nested = '{ products(first: 10) { nodes { ...P } } } fragment P on Product { reviews(first: 4) { id } }';
  assert.equal(cost('web', nested), 1 + 10 * (1 + 4));
  // Branches of an abstract type count as written (OutOfStock holds scalars only).
  assert.equal(
    cost(
      'mobile',
      'mutation { placeOrder(input: { items: [], idempotencyKey: "k" }) { ... on OrderPlaced { order { id } } ... on OutOfStock { productId } } }',
    ),
    1 + 1,
  );
});

test('shape: measured as written, fragments memoised, cycles harmless', () => {
  assert.deepEqual(measureDocument(parse('{ a { b { c } } x: a { d } }')), {
    depth: 3,
    aliases: 1,
    rootFields: 2,
    directivesPerField: 0,
    repeatedFields: 1,
  });
  assert.equal(measureDocument(parse('{ ...F } fragment F on Q { a { ...G } } fragment G on A { b { c } }')).depth, 3);
  assert.equal(measureDocument(parse('{ ...F ...F } fragment F on Q { a b }')).rootFields, 4);
  assert.equal(measureDocument(parse('{ a @skip(if: true) @include(if: true) }')).directivesPerField, 2);
  assert.equal(measureDocument(parse('{ a { id id id name } }')).repeatedFields, 3);
  assert.equal(
    measureDocument(parse('{ __schema { types { fields { type { ofType { name } } } } } }')).depth,
    0,
    'introspection is not counted',
  );
  // Fragments spreading each other twice per level: 2^40 expansions, measured in microseconds.
  const chain = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Q { a { ...F${i + 1} ...F${i + 1} } }`).join(' ');
  const shape = measureDocument(parse(`{ ...F0 } ${chain} fragment F40 on Q { leaf }`));
  assert.equal(shape.depth, 41);
  assert.equal(measureDocument(parse('{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }')).depth, 0);
});

test('tokens are counted without parsing, stopping past the limit', () => {
  assert.equal(countTokens('{ a { b } }', 100), 6);
  assert.equal(countTokens('# comment\n{ a }', 100), 3);
  assert.equal(countTokens(`{ ${'a '.repeat(1_000_000)} }`, 50), 51);
  assert.equal(countTokens('{ "unterminated }', 100), 1);
});

test("every client operation is within its BFF's default limits", () => {
  for (const client of ['mobile', 'web'] as const) {
    const limits = loadConfig(BFFS[client].profile, {}).operationLimits;
    const dir = fileURLToPath(new URL(`../../bff-${client}/operations/`, import.meta.url));
    for (const { name, body } of buildManifest(dir).operations) {
      const document = parse(body);
      const shape = measureDocument(document);
      assert.ok(countTokens(body, limits.tokens) <= limits.tokens, `${client} ${name}: tokens`);
      assert.ok(shape.depth <= limits.depth, `${client} ${name}: depth ${shape.depth}`);
      assert.ok(shape.aliases <= limits.aliases && shape.rootFields <= limits.rootFields, `${client} ${name}`);
      const operation = document.definitions[0] as OperationDefinitionNode;
      assert.ok(estimateCost(schemas[client], document, operation, {}) <= limits.cost, `${client} ${name}: cost`);
    }
  }
});
