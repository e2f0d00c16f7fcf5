import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, parse, validate } from 'graphql';
import { REVIEWS_SDL } from '../../backends/reviews/reviewsSdl.js';
import { ReviewsDocument, ReviewSummariesDocument } from '../../src/datasources/generated/graphql/reviews.js';
import { mergeQueries, queryPart, type QueryTexts } from '../../src/datasources/graphql/mergeQueries.js';

// ReviewsApi sends the generated typed documents merged into one request: each root field
// aliased, its variables renamed after the alias.

const reviews = buildSchema(REVIEWS_SDL);
const parts = (limits: number[]) => [
  queryPart('summaries', ReviewSummariesDocument, { productIds: ['p-1'] }),
  ...limits.map((limit) => queryPart(`r${limit}`, ReviewsDocument, { productIds: ['p-1', 'p-2'], limitPerProduct: limit })),
];

test('the same document twice under two aliases: one query the reviews schema validates, variables renamed after each alias', () => {
  const { query, variables } = mergeQueries('ReviewData', parts([2, 5]));
  assert.deepEqual(validate(reviews, parse(query)), []);
  assert.match(query, /^query ReviewData\(\$summaries_productIds:\[ID!\]!\$r2_productIds:\[ID!\]!\$r2_limitPerProduct:Int!\$r5_productIds/);
  assert.match(query, /r2:reviews\(productIds:\$r2_productIds limitPerProduct:\$r2_limitPerProduct\)\{productId reviews\{id /);
  assert.match(query, /r5:reviews\(productIds:\$r5_productIds limitPerProduct:\$r5_limitPerProduct\)/);
  assert.deepEqual(variables, {
    summaries_productIds: ['p-1'],
    r2_productIds: ['p-1', 'p-2'],
    r2_limitPerProduct: 2,
    r5_productIds: ['p-1', 'p-2'],
    r5_limitPerProduct: 5,
  });
});

test('the query text of a shape is printed once and kept, at most 64 shapes', () => {
  const texts: QueryTexts = new Map();
  const first = mergeQueries('ReviewData', parts([3]), texts);
  assert.deepEqual([...texts.values()], [first.query]);
  texts.set([...texts.keys()][0]!, 'kept');
  assert.equal(mergeQueries('ReviewData', parts([3]), texts).query, 'kept', 'the same aliases reuse the text');
  for (let limit = 100; limit < 200; limit++) mergeQueries('ReviewData', parts([limit]), texts);
  assert.equal(texts.size, 64);
  assert.ok(![...texts.values()].includes('kept'), 'the oldest shapes were dropped');
});

test('a document that is not one root field is refused with a TypeError', () => {
  const two = parse(
    'query Two($productIds: [ID!]!) { reviewSummaries(productIds: $productIds) { count } reviews(productIds: $productIds) { productId } }',
  );
  assert.throws(() => mergeQueries('X', [{ alias: 'two', document: two, variables: {} }]), {
    name: 'TypeError',
    message: /two must be a query of one root field/,
  });
});
