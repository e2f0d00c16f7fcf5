import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  badResponse,
  codeForGrpcStatus,
  codeForHttpStatus,
  fromGrpcStatus,
  fromHttpStatus,
  fromTransportError,
  grpcTranslation,
  httpTranslation,
  upstreamFailure,
} from '../../src/errors/fromUpstream.js';
import { httpStatusOf, isKnownErrorCode } from '../../src/errors/codes.js';

// One table per protocol: the whole translation contract, in one place. The third column
// says whether the backend's circuit breaker counts it (a fault: the backend is unhealthy);
// an answer about the request itself (4xx) never counts (issue 14).
const httpTable: [number, string, boolean][] = [
  [400, 'BAD_USER_INPUT', false],
  [401, 'FORBIDDEN', false],
  [403, 'FORBIDDEN', false],
  [404, 'NOT_FOUND', false],
  [405, 'UPSTREAM_BAD_RESPONSE', false],
  [408, 'UPSTREAM_TIMEOUT', false],
  [409, 'UPSTREAM_BAD_RESPONSE', false],
  [413, 'BAD_USER_INPUT', false],
  [414, 'BAD_USER_INPUT', false],
  [422, 'BAD_USER_INPUT', false],
  [429, 'RATE_LIMITED', false],
  [431, 'BAD_USER_INPUT', false],
  [451, 'UPSTREAM_BAD_RESPONSE', false],
  [500, 'UPSTREAM_ERROR', true],
  [501, 'UPSTREAM_ERROR', false],
  [502, 'UPSTREAM_UNAVAILABLE', true],
  [503, 'UPSTREAM_UNAVAILABLE', true],
  [504, 'UPSTREAM_TIMEOUT', true],
  [507, 'UPSTREAM_ERROR', true],
  [302, 'UPSTREAM_BAD_RESPONSE', true],
  [101, 'UPSTREAM_BAD_RESPONSE', true],
];

const grpcTable: [keyof typeof GrpcStatus, string, boolean][] = [
  ['CANCELLED', 'UPSTREAM_UNAVAILABLE', false],
  ['UNKNOWN', 'UPSTREAM_ERROR', true],
  ['INVALID_ARGUMENT', 'BAD_USER_INPUT', false],
  ['DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT', true],
  ['NOT_FOUND', 'NOT_FOUND', false],
  ['ALREADY_EXISTS', 'BAD_USER_INPUT', false],
  ['PERMISSION_DENIED', 'FORBIDDEN', false],
  ['RESOURCE_EXHAUSTED', 'RATE_LIMITED', true],
  ['FAILED_PRECONDITION', 'BAD_USER_INPUT', false],
  ['ABORTED', 'UPSTREAM_ERROR', false],
  ['OUT_OF_RANGE', 'BAD_USER_INPUT', false],
  ['UNIMPLEMENTED', 'UPSTREAM_ERROR', false],
  ['INTERNAL', 'UPSTREAM_ERROR', true],
  ['UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', true],
  ['DATA_LOSS', 'UPSTREAM_ERROR', true],
  ['UNAUTHENTICATED', 'FORBIDDEN', false],
];

// What a socket, undici or fetch throws, by code (or name); fetch wraps the socket's error in
// a TypeError whose cause it is.
const transportTable: [string, unknown, string, string, boolean][] = [
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'UPSTREAM_UNAVAILABLE', 'connect_refused', true],
  ['unknown host', Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'UPSTREAM_UNAVAILABLE', 'connect_refused', true],
  ['connect timeout', Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['our deadline (TimeoutError)', new DOMException('timeout', 'TimeoutError'), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['our deadline (AbortError)', new DOMException('aborted', 'AbortError'), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['headers timeout', Object.assign(new Error('h'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['body timeout', Object.assign(new Error('b'), { code: 'UND_ERR_BODY_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['connection reset', Object.assign(new Error('r'), { code: 'ECONNRESET' }), 'UPSTREAM_UNAVAILABLE', 'econnreset', true],
  ['socket closed', Object.assign(new Error('s'), { code: 'UND_ERR_SOCKET' }), 'UPSTREAM_UNAVAILABLE', 'und_err_socket', true],
  ['response headers too large', Object.assign(new Error('o'), { code: 'UND_ERR_HEADERS_OVERFLOW' }), 'UPSTREAM_BAD_RESPONSE', 'response_too_large', true],
  ['a header value undici refuses to send', Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }), 'BAD_USER_INPUT', 'request_not_sendable', false],
  ['fetch failed (refused)', new TypeError('fetch failed', { cause: Object.assign(new Error('c'), { code: 'ECONNREFUSED' }) }), 'UPSTREAM_UNAVAILABLE', 'connect_refused', true],
  ['anything else', Object.assign(new Error('?'), { code: 'EWHATEVER' }), 'UPSTREAM_UNAVAILABLE', 'ewhatever', true],
  ['no code at all', new Error('?'), 'UPSTREAM_UNAVAILABLE', 'socket_error', true],
];

for (const [status, code, fault] of httpTable) {
  test(`HTTP ${status} from an upstream → ${code}${fault ? ', a fault' : ', not a fault'}, naming the upstream`, () => {
    assert.equal(codeForHttpStatus(status), code);
    assert.deepEqual(httpTranslation(status), { code, fault });
    const error = fromHttpStatus('catalog', status);
    assert.equal(error.extensions.code, code);
    assert.equal(error.fault, fault);
    assert.equal(error.extensions.upstream, 'catalog');
    assert.equal(error.extensions.reason, `http_${status}`);
    assert.match(error.message, /^The catalog service /);
  });
}

for (const [name, code, fault] of grpcTable) {
  test(`gRPC ${name} from an upstream → ${code}${fault ? ', a fault' : ', not a fault'}, naming the upstream`, () => {
    const grpcCode = GrpcStatus[name] as number;
    assert.equal(codeForGrpcStatus(grpcCode), code);
    assert.deepEqual(grpcTranslation(grpcCode), { code, fault });
    const error = fromGrpcStatus('orders', grpcCode);
    assert.equal(error.extensions.code, code);
    assert.equal(error.fault, fault);
    assert.equal(error.extensions.upstream, 'orders');
    assert.equal(error.extensions.reason, `grpc_${name}`);
  });
}

test('the gRPC table has a row for every status but OK', () => {
  const names = Object.keys(GrpcStatus).filter((k) => Number.isNaN(Number(k)) && k !== 'OK');
  assert.deepEqual(grpcTable.map(([name]) => name).sort(), names.sort());
});

for (const [what, thrown, code, reason, fault] of transportTable) {
  test(`transport: ${what} → ${code} (${reason})${fault ? ', a fault' : ', not a fault'}`, () => {
    const error = fromTransportError('users', thrown, new AbortController().signal);
    assert.equal(error.extensions.code, code);
    assert.equal(error.extensions.reason, reason);
    assert.equal(error.fault, fault);
    assert.equal(error.extensions.upstream, 'users');
  });
}

test('transport: any failure after the client went away is request_cancelled, never a fault', () => {
  const gone = new AbortController();
  gone.abort();
  const error = fromTransportError('users', Object.assign(new Error('r'), { code: 'ECONNRESET' }), gone.signal);
  assert.equal(error.extensions.code, 'UPSTREAM_UNAVAILABLE');
  assert.equal(error.extensions.reason, 'request_cancelled');
  assert.equal(error.fault, false);
});

test('a malformed answer is a fault; an error made without a table is not', () => {
  assert.equal(badResponse('inventory', 'shape').fault, true);
  assert.equal(upstreamFailure('inventory', 'UPSTREAM_TIMEOUT', 'request_deadline').fault, false);
});

test('every translated code is in the closed set and implies an HTTP status', () => {
  const codes = [...httpTable.map(([, c]) => c), ...grpcTable.map(([, c]) => c), ...transportTable.map(([, , c]) => c)];
  for (const code of codes) {
    assert.ok(isKnownErrorCode(code), code);
    assert.equal(typeof httpStatusOf[code as keyof typeof httpStatusOf], 'number');
  }
});

test('backend messages are not passed to clients', () => {
  const error = fromGrpcStatus('inventory', GrpcStatus.INTERNAL, Object.assign(new Error('db password wrong at 10.0.0.3'), { code: 13 }));
  assert.doesNotMatch(error.message, /password|10\.0\.0\.3/);
});
