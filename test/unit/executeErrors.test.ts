import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, GraphQLError, parse, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { BffError } from '../../src/errors/BffError.js';
import { ErrorCode } from '../../src/errors/codes.js';
import { executeOperation } from '../../src/operation/execute.js';
import type { PreparedOperation } from '../../src/operation/prepare.js';

// The compiled executor's errors, rebuilt as graphql-js builds them (execute.ts): what a client
// and the logs get must not depend on whether a stack was captured for each.

const schema = buildSchema('type Row { id: ID! extra: String } type Query { rows: [Row!]! broken: String }');
const rows = Array.from({ length: 3 }, (_, i) => ({ id: `r${i}` }));
(schema.getType('Row') as GraphQLObjectType).getFields().extra!.resolve = () => {
  throw BffError.withoutStack(ErrorCode.DEGRADED, 'Left out while the service is under load.', { reason: 'under_load' });
};
const query = (schema.getQueryType() as GraphQLObjectType).getFields();
query.rows!.resolve = () => rows;
query.broken!.resolve = () => {
  throw new TypeError('a bug');
};

function prepared(query: string): PreparedOperation {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return { document, operation, name: undefined, type: operation.operation, requirement: {} } as unknown as PreparedOperation;
}

test('a policy refusal in every row: located, coded errors without stack frames', async () => {
  const result = await executeOperation(schema, 'jit', prepared('{ rows { id extra } }'), {}, {}, true);
  assert.deepEqual(
    result.data?.rows,
    rows.map((r) => ({ id: r.id, extra: null })),
  );
  assert.equal(result.errors?.length, 3);
  result.errors!.forEach((error, i) => {
    assert.ok(error instanceof GraphQLError);
    assert.deepEqual(error.path, ['rows', i, 'extra']);
    assert.deepEqual(error.locations, [{ line: 1, column: 13 }]);
    assert.equal(error.extensions.code, ErrorCode.DEGRADED);
    assert.equal(error.extensions.reason, 'under_load');
    assert.ok(error.originalError instanceof BffError);
    assert.doesNotMatch(String(error.stack), /\n\s+at /, 'no frames captured');
  });
});

test('an unexpected error keeps the stack of where it was thrown', async () => {
  const result = await executeOperation(schema, 'jit', prepared('{ broken }'), {}, {}, true);
  const [error] = result.errors!;
  assert.ok(error?.originalError instanceof TypeError);
  assert.match(String(error.stack), /TypeError: a bug\n\s+at /);
  assert.equal(error.stack, error.originalError.stack);
});
