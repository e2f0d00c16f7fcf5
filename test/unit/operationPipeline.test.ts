/**
 * The operation pipeline's steps on their own (src/operation): what both paths, Apollo's and
 * the fast path, share. The paths themselves are compared response by response in
 * test/integration/executors.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type OperationDefinitionNode } from 'graphql';
import { anonymousViewer } from '../../src/auth/Viewer.js';
import { asBffError, BffError } from '../../src/errors/BffError.js';
import { ErrorCode } from '../../src/errors/codes.js';
import { RequestState } from '../../src/http/requestState.js';
import { createOperationPipeline, type OperationCheck } from '../../src/operation/OperationPipeline.js';

const schema = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    directive @auth(scopes: [String!]! = []) on FIELD_DEFINITION
    type Item { name: String }
    type Query { product(id: ID!): String, items(first: Int!): [Item!]!, me: String @auth }
    type Mutation { touch: Boolean }
    type Subscription { ticks: Int }
  `,
  resolvers: { Query: { product: (_: unknown, { id }: { id: string }) => `product ${id}`, items: () => [] } },
});
const anonymous = anonymousViewer('test');
const pipelineWith = (checks: OperationCheck[] = []) =>
  createOperationPipeline({
    schema,
    executor: 'jit',
    check: { maxCost: 1000 },
    format: { mask: true, stacktraceOnRequest: false },
    checks,
  });
const stateOf = () => new RequestState('r-1', Date.now(), {}, '127.0.0.1');
function prepared(pipeline: ReturnType<typeof pipelineWith>, source: string) {
  const document = parse(source);
  return pipeline.prepare(document, document.definitions[0] as OperationDefinitionNode);
}
async function refusalOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return asBffError(error);
}

test('prepare: one prepared operation per document and operation, with its @auth needs', () => {
  const pipeline = pipelineWith();
  const document = parse('query A { me } query B { product(id: "p-1") }');
  const [a, b] = document.definitions as OperationDefinitionNode[];
  assert.equal(pipeline.prepare(document, a!), pipeline.prepare(document, a!));
  assert.notEqual(pipeline.prepare(document, a!), pipeline.prepare(document, b!));
  assert.equal(pipeline.prepare(document, a!).requirement.userField, 'Query.me');
  assert.equal(pipeline.prepare(document, b!).requirement.userField, undefined);
  const refused = pipeline.prepare.source('{ nope }');
  assert.ok(Array.isArray(refused));
  assert.equal(refused[0]!.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
});

test('check: records the operation, refuses with stable codes, and decides once per request', async () => {
  let extraCalls = 0;
  const pipeline = pipelineWith([() => void extraCalls++]);
  const state = stateOf();
  const query = prepared(pipeline, 'query P($id: ID!) { product(id: $id) }');
  const checked = await pipeline.check(state, query, { id: 'p-1' }, 'hash-1', anonymous);
  assert.deepEqual(checked.variables, { id: 'p-1' });
  assert.equal(state.operationName, 'P');
  assert.equal(state.operationType, 'query');
  assert.equal(state.documentHash, 'hash-1');
  // The same operation again (Apollo after the fast path): the first decision, no second check.
  assert.equal(await pipeline.check(state, query, { id: 'p-1' }, 'hash-1', anonymous), checked);
  assert.equal(extraCalls, 1, "the BFF's own check ran once");

  assert.equal((await refusalOf(pipeline.check(stateOf(), prepared(pipeline, '{ me }'), {}, 'h', anonymous)))?.code, 'UNAUTHENTICATED');
  assert.equal(
    (await refusalOf(pipeline.check(stateOf(), prepared(pipeline, '{ items(first: 100000) { name } }'), {}, 'h', anonymous)))?.code,
    'OPERATION_LIMIT_EXCEEDED',
  );
  const longId = await refusalOf(pipeline.check(stateOf(), query, { id: 'p'.repeat(100) }, 'h', anonymous));
  assert.equal(longId?.code, 'BAD_USER_INPUT');
  assert.equal(longId?.reason, 'invalid_id');
  const subscription = await refusalOf(pipeline.check(stateOf(), prepared(pipeline, 'subscription { ticks }'), {}, 'h', anonymous));
  assert.equal(subscription?.reason, 'subscriptions_unsupported');
  // On a subscription transport, the other way round: only subscriptions.
  const live = (source: string) => pipeline.check(stateOf(), prepared(pipeline, source), {}, 'h', anonymous, 'subscription');
  assert.equal((await live('subscription { ticks }')).name, undefined);
  const overWebSocket = await refusalOf(live('{ product(id: "p-1") }'));
  assert.deepEqual([overWebSocket?.code, overWebSocket?.reason], ['BAD_REQUEST', 'subscriptions_only']);
  // Variables that do not coerce are not a refusal of ours: graphql-js words them.
  assert.equal((await pipeline.check(stateOf(), query, { id: { not: 'an id' } }, 'h', anonymous)).variables, undefined);
});

test("check: a BFF's own check refuses on every path, after the kit's", async () => {
  const pipeline = pipelineWith([
    ({ prepared: p }) => {
      if (p.type === 'mutation') throw BffError.request(ErrorCode.FORBIDDEN, 'No mutations today.');
    },
  ]);
  const refusal = await refusalOf(pipeline.check(stateOf(), prepared(pipeline, 'mutation { touch }'), {}, 'h', anonymous));
  assert.equal(refusal?.code, 'FORBIDDEN');
  assert.equal(refusal?.message, 'No mutations today.');
});

test('execute: the same data on jit and graphql-js, compiled once per prepared operation', async () => {
  const pipeline = pipelineWith();
  const query = prepared(pipeline, 'query P($id: ID!) { product(id: $id) }');
  const jit = await pipeline.execute(query, {} as never, { id: 'p-1' }, true);
  const compiled = query.compiled;
  assert.equal(typeof compiled, 'function');
  await pipeline.execute(query, {} as never, { id: 'p-2' }, true);
  assert.equal(query.compiled, compiled);
  const js = await createOperationPipeline({
    schema,
    executor: 'graphql-js',
    check: { maxCost: 1000 },
    format: { mask: true, stacktraceOnRequest: false },
  }).execute(query, {} as never, { id: 'p-1' }, true);
  assert.equal(JSON.stringify(jit), JSON.stringify(js));
  assert.equal(JSON.stringify(jit), '{"data":{"product":"product p-1"}}');
});
