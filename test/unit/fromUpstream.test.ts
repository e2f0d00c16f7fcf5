import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { codeForGrpcStatus, codeForHttpStatus, fromGrpcStatus, fromHttpStatus } from '../../src/errors/fromUpstream.js';
import { httpStatusOf, isKnownErrorCode } from '../../src/errors/codes.js';

// One table per protocol: the whole translation contract, in one place.
const httpTable: [number, string][] = [
  [400, 'BAD_USER_INPUT'],
  [401, 'FORBIDDEN'],
  [403, 'FORBIDDEN'],
  [404, 'NOT_FOUND'],
  [408, 'UPSTREAM_TIMEOUT'],
  [409, 'UPSTREAM_BAD_RESPONSE'],
  [422, 'BAD_USER_INPUT'],
  [429, 'RATE_LIMITED'],
  [500, 'UPSTREAM_ERROR'],
  [501, 'UPSTREAM_ERROR'],
  [502, 'UPSTREAM_UNAVAILABLE'],
  [503, 'UPSTREAM_UNAVAILABLE'],
  [504, 'UPSTREAM_TIMEOUT'],
  [302, 'UPSTREAM_BAD_RESPONSE'],
];

const grpcTable: [keyof typeof GrpcStatus, string][] = [
  ['CANCELLED', 'UPSTREAM_UNAVAILABLE'],
  ['UNKNOWN', 'UPSTREAM_ERROR'],
  ['INVALID_ARGUMENT', 'BAD_USER_INPUT'],
  ['DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT'],
  ['NOT_FOUND', 'NOT_FOUND'],
  ['ALREADY_EXISTS', 'BAD_USER_INPUT'],
  ['PERMISSION_DENIED', 'FORBIDDEN'],
  ['RESOURCE_EXHAUSTED', 'RATE_LIMITED'],
  ['FAILED_PRECONDITION', 'BAD_USER_INPUT'],
  ['ABORTED', 'UPSTREAM_ERROR'],
  ['OUT_OF_RANGE', 'BAD_USER_INPUT'],
  ['UNIMPLEMENTED', 'UPSTREAM_ERROR'],
  ['INTERNAL', 'UPSTREAM_ERROR'],
  ['UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'],
  ['DATA_LOSS', 'UPSTREAM_ERROR'],
  ['UNAUTHENTICATED', 'FORBIDDEN'],
];

for (const [status, code] of httpTable) {
  test(`HTTP ${status} from an upstream → ${code}, naming the upstream`, () => {
    assert.equal(codeForHttpStatus(status), code);
    const error = fromHttpStatus('catalog', status);
    assert.equal(error.extensions.code, code);
    assert.equal(error.extensions.upstream, 'catalog');
    assert.equal(error.extensions.reason, `http_${status}`);
    assert.match(error.message, /^The catalog service /);
  });
}

for (const [name, code] of grpcTable) {
  test(`gRPC ${name} from an upstream → ${code}, naming the upstream`, () => {
    const grpcCode = GrpcStatus[name] as number;
    assert.equal(codeForGrpcStatus(grpcCode), code);
    const error = fromGrpcStatus('orders', grpcCode);
    assert.equal(error.extensions.code, code);
    assert.equal(error.extensions.upstream, 'orders');
    assert.equal(error.extensions.reason, `grpc_${name}`);
  });
}

test('every translated code is in the closed set and implies an HTTP status', () => {
  const codes = [...httpTable.map(([, c]) => c), ...grpcTable.map(([, c]) => c)];
  for (const code of codes) {
    assert.ok(isKnownErrorCode(code), code);
    assert.equal(typeof httpStatusOf[code as keyof typeof httpStatusOf], 'number');
  }
});

test('backend messages are not passed to clients', () => {
  const error = fromGrpcStatus('inventory', GrpcStatus.INTERNAL, Object.assign(new Error('db password wrong at 10.0.0.3'), { code: 13 }));
  assert.doesNotMatch(error.message, /password|10\.0\.0\.3/);
});
