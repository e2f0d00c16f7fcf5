/**
 * The `Cache-Control` both paths send (src/cache/responseCachePolicy.ts, computed once per
 * document from the schemas' `@cacheControl` hints) against Apollo Server's own cache-control
 * plugin, which is not installed in the BFFs (it wraps every resolver of the schema the fast
 * path shares): for every shipped query of both BFFs and a set of ad-hoc ones, Apollo's plugin,
 * run on a server of its own over the same SDL with data in every field (so that it resolves
 * every field the document selects), sends the same header.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isEnumType,
  isListType,
  isObjectType,
  parse,
  validate,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { createResponseCacheControl, NO_STORE } from '../../src/cache/responseCachePolicy.js';
import { buildLiveSchema } from '../../src/schema/governance/schemaFiles.js';
import { operation } from '../fixtures/operations.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A value for every field: two items per list, the first possible type of a union. */
const everything: GraphQLFieldResolver<unknown, unknown> = (_source, _args, _context, info) => {
  const fill = (type: ReturnType<typeof getNullableType>): unknown => {
    if (isListType(type)) return [fill(getNullableType(type.ofType)), fill(getNullableType(type.ofType))];
    const named = getNamedType(type)!;
    if (isAbstractType(named)) return { __typename: info.schema.getPossibleTypes(named)[0]!.name };
    if (isObjectType(named)) return {};
    if (isEnumType(named)) return named.getValues()[0]!.value;
    switch (named.name) {
      case 'Int':
        return 1;
      case 'Float':
        return 1.5;
      case 'Boolean':
        return true;
      case 'DateTime':
        return '2026-01-01T00:00:00.000Z';
      default:
        return 'x';
    }
  };
  return fill(getNullableType(info.returnType));
};

async function apolloHeader(schema: GraphQLSchema, query: string, variables: Record<string, unknown>): Promise<string | undefined> {
  const server = new ApolloServer({ schema, fieldResolver: everything, plugins: [ApolloServerPluginCacheControl()] });
  await server.start();
  try {
    const response = await server.executeOperation({ query, variables });
    assert.equal(response.body.kind, 'single');
    if (response.body.kind === 'single') assert.equal(response.body.singleResult.errors, undefined, query);
    return response.http.headers.get('cache-control');
  } finally {
    await server.stop();
  }
}

function kitHeader(schema: GraphQLSchema, query: string): string {
  const document = parse(query);
  assert.deepEqual(validate(schema, document), []);
  return createResponseCacheControl(schema)({ document, operation: getOperationAST(document)! }, false, undefined);
}

const cases: Record<'mobile' | 'web', { query: string; variables?: Record<string, unknown>; expected?: string }[]> = {
  mobile: [
    { ...operation('mobile', 'Home'), expected: NO_STORE },
    { ...operation('mobile', 'OrderHistory'), expected: NO_STORE },
    { ...operation('mobile', 'ProductScreen'), expected: 'max-age=10, public' },
    { ...operation('mobile', 'PlaceOrder'), expected: NO_STORE },
    { ...operation('mobile', 'TrackEvent'), expected: NO_STORE },
    { query: '{ home { featured { id title price imageUrl } } }', expected: 'max-age=30, public' },
    { query: '{ home { featured { id stock } } }', expected: 'max-age=10, public' },
    { query: '{ home { featured { id } viewer { id } } }', expected: NO_STORE },
    { query: '{ product(id: "p-00001") { id title gallery { url width } rating { label } } }', expected: 'max-age=60, public' },
    { query: '{ product(id: "p-00001") { id topReviews { title ago } } }', expected: 'max-age=60, public' },
    { query: '{ __typename }', expected: NO_STORE },
    { query: '{ home { __typename } }', expected: 'max-age=30, public' },
    { query: 'query Q { product(id: "p-1") { ...F } } fragment F on ProductScreen { id stock }', expected: 'max-age=10, public' },
  ],
  web: [
    { ...operation('web', 'ProductPage'), expected: 'max-age=10, public' },
    { ...operation('web', 'ProductsBrowse') },
    { ...operation('web', 'OrdersTable'), expected: NO_STORE },
    { ...operation('web', 'CustomerPage'), expected: NO_STORE },
    { query: '{ categories { slug name productCount } }', expected: 'max-age=300, public' },
    {
      query: '{ products(first: 5) { nodes { id title price { formatted } images { thumb } } pageInfo { endCursor } totalCount } }',
      expected: 'max-age=30, public',
    },
    { query: '{ product(id: "p-00001") { id reviewSummary { count histogram } reviews { title } } }', expected: 'max-age=60, public' },
    { query: '{ product(id: "p-00001") { stock { totalAvailable warehouses { name available } } } }', expected: 'max-age=10, public' },
    { query: '{ viewer { id } products { totalCount } }', expected: NO_STORE },
    { query: '{ order(id: "o-1") { id items { product { id title } } } }', expected: NO_STORE },
    { query: 'mutation { updateProfile(input: { name: "A" }) { __typename } }', expected: NO_STORE },
  ],
};

for (const bff of ['mobile', 'web'] as const) {
  describe(`${bff}: the kit's Cache-Control is Apollo's cache-control plugin's`, () => {
    const schema = buildLiveSchema(root, bff);
    for (const { query, variables = {}, expected } of cases[bff]) {
      const name = query
        .replace(/#[^\n]*\n/g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 90);
      it(name, async () => {
        const kit = kitHeader(schema, query);
        assert.equal(kit, await apolloHeader(schema, query, variables));
        if (expected) assert.equal(kit, expected);
      });
    }
  });
}

describe('beyond Apollo: conservative rules of the kit', () => {
  const schema = buildLiveSchema(root, 'web');
  const control = createResponseCacheControl(schema);
  const prepared = (query: string) => {
    const document = parse(query);
    return { document, operation: getOperationAST(document)! };
  };

  it('a response with errors, or without a resolved operation, is no-store', () => {
    assert.equal(control(prepared('{ categories { slug } }'), true, undefined), NO_STORE);
    assert.equal(control(undefined, false, undefined), NO_STORE);
  });

  it('a request routed by an experiment gets private, not public (another viewer may get another variant)', () => {
    const q = prepared('{ categories { slug } }');
    assert.equal(control(q, false, { assignments: {} }), 'max-age=300, public');
    assert.equal(control(q, false, { assignments: { 'catalog-v2': 'v2' } }), 'max-age=300, private');
  });

  it('a field with @auth is never cacheable, whatever its type says', () => {
    // Customer.orders returns a public-less type anyway; Query.order is @auth: never cacheable.
    assert.equal(control(prepared('{ order(id: "o-1") { id } }'), false, undefined), NO_STORE);
  });
});
