import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  badResponse,
  callFailure,
  codeForGrpcStatus,
  codeForHttpStatus,
  fromGrpcError,
  fromGrpcStatus,
  fromHttpStatus,
  graphqlErrors,
  fromTransportError,
  grpcStatusTable,
  grpcTranslation,
  httpStatusTable,
  httpTranslation,
  transportTable as transportRows,
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
  [
    'connection refused',
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    'UPSTREAM_UNAVAILABLE',
    'connect_refused',
    true,
  ],
  ['unknown host', Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'UPSTREAM_UNAVAILABLE', 'connect_refused', true],
  [
    'DNS lookup failed for now',
    Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' }),
    'UPSTREAM_UNAVAILABLE',
    'connect_refused',
    true,
  ],
  ['connect timeout', Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['our deadline (TimeoutError)', new DOMException('timeout', 'TimeoutError'), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['our deadline (AbortError)', new DOMException('aborted', 'AbortError'), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['undici aborted (our signal)', Object.assign(new Error('a'), { code: 'UND_ERR_ABORTED' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['headers timeout', Object.assign(new Error('h'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['body timeout', Object.assign(new Error('b'), { code: 'UND_ERR_BODY_TIMEOUT' }), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['connection reset', Object.assign(new Error('r'), { code: 'ECONNRESET' }), 'UPSTREAM_UNAVAILABLE', 'econnreset', true],
  ['broken pipe', Object.assign(new Error('p'), { code: 'EPIPE' }), 'UPSTREAM_UNAVAILABLE', 'epipe', true],
  ['client closed', Object.assign(new Error('c'), { code: 'UND_ERR_CLOSED' }), 'UPSTREAM_UNAVAILABLE', 'und_err_closed', true],
  ['socket closed', Object.assign(new Error('s'), { code: 'UND_ERR_SOCKET' }), 'UPSTREAM_UNAVAILABLE', 'und_err_socket', true],
  [
    'response headers too large',
    Object.assign(new Error('o'), { code: 'UND_ERR_HEADERS_OVERFLOW' }),
    'UPSTREAM_BAD_RESPONSE',
    'response_too_large',
    true,
  ],
  [
    'response body too large',
    Object.assign(new Error('m'), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' }),
    'UPSTREAM_BAD_RESPONSE',
    'response_too_large',
    true,
  ],
  [
    'a header value undici refuses to send',
    Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }),
    'BAD_USER_INPUT',
    'request_not_sendable',
    false,
  ],
  [
    'fetch failed (refused)',
    new TypeError('fetch failed', { cause: Object.assign(new Error('c'), { code: 'ECONNREFUSED' }) }),
    'UPSTREAM_UNAVAILABLE',
    'connect_refused',
    true,
  ],
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

test('every row of the three tables in src/errors is walked above', () => {
  for (const status of httpStatusTable.keys())
    assert.ok(
      httpTable.some(([s]) => s === status),
      `HTTP ${status}`,
    );
  for (const code of Object.keys(grpcStatusTable))
    assert.ok(
      grpcTable.some(([name]) => GrpcStatus[name] === Number(code)),
      `gRPC ${code}`,
    );
  const keyOf = (thrown: unknown): string => {
    const e = (thrown instanceof TypeError && thrown.cause ? thrown.cause : thrown) as { code?: unknown; name: string };
    return typeof e.code === 'string' ? e.code : e.name;
  };
  const walked = new Set(transportTable.map(([, thrown]) => keyOf(thrown)));
  for (const key of transportRows.keys()) assert.ok(walked.has(key), `transport ${key}`);
});

// What only the gRPC caller can tell apart, before the status table: who cancelled, and
// whether the call ever reached the backend.
const aborted = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};
const live = () => new AbortController().signal;
const grpcRules: [string, { code: number; details?: string }, AbortSignal, AbortSignal, string, string, boolean][] = [
  [
    'CANCELLED after the client went away',
    { code: GrpcStatus.CANCELLED },
    aborted(),
    live(),
    'UPSTREAM_UNAVAILABLE',
    'request_cancelled',
    false,
  ],
  ['CANCELLED by our own deadline timer', { code: GrpcStatus.CANCELLED }, live(), aborted(), 'UPSTREAM_TIMEOUT', 'deadline', true],
  ['DEADLINE_EXCEEDED', { code: GrpcStatus.DEADLINE_EXCEEDED }, live(), live(), 'UPSTREAM_TIMEOUT', 'deadline', true],
  [
    'UNAVAILABLE, connection refused',
    { code: GrpcStatus.UNAVAILABLE, details: 'No connection established. Last error: connect ECONNREFUSED' },
    live(),
    live(),
    'UPSTREAM_UNAVAILABLE',
    'connect_refused',
    true,
  ],
  [
    'UNAVAILABLE mid-call',
    { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped' },
    live(),
    live(),
    'UPSTREAM_UNAVAILABLE',
    'grpc_UNAVAILABLE',
    true,
  ],
  ['CANCELLED by the server', { code: GrpcStatus.CANCELLED }, live(), live(), 'UPSTREAM_UNAVAILABLE', 'grpc_CANCELLED', false],
  ['NOT_FOUND', { code: GrpcStatus.NOT_FOUND }, live(), live(), 'NOT_FOUND', 'grpc_NOT_FOUND', false],
];
for (const [what, error, requestSignal, attemptSignal, code, reason, fault] of grpcRules) {
  test(`gRPC call failed: ${what} → ${code} (${reason})${fault ? ', a fault' : ', not a fault'}`, () => {
    const bff = fromGrpcError('orders', error, requestSignal, attemptSignal);
    assert.equal(bff.extensions.code, code);
    assert.equal(bff.extensions.reason, reason);
    assert.equal(bff.fault, fault);
    assert.equal(bff.extensions.upstream, 'orders');
  });
}

// The last step of every call, whatever its protocol: a write that may have reached the
// backend is OUTCOME_UNKNOWN; one known not to have left stays what it was.
const callRules: [string, unknown, boolean, string, string][] = [
  ['a read that failed with a fault', fromHttpStatus('users', 503), true, 'UPSTREAM_UNAVAILABLE', 'http_503'],
  ['a write that failed with a fault after it was sent', fromHttpStatus('users', 503), false, 'OUTCOME_UNKNOWN', 'http_503'],
  [
    'a write cut off mid-way',
    fromTransportError('users', Object.assign(new Error('r'), { code: 'ECONNRESET' }), live()),
    false,
    'OUTCOME_UNKNOWN',
    'econnreset',
  ],
  [
    'a write never sent (connection refused)',
    fromTransportError('users', Object.assign(new Error('c'), { code: 'ECONNREFUSED' }), live()),
    false,
    'UPSTREAM_UNAVAILABLE',
    'connect_refused',
  ],
  [
    'a write refused by the open circuit',
    upstreamFailure('users', 'UPSTREAM_UNAVAILABLE', 'circuit_open', undefined, true),
    false,
    'UPSTREAM_UNAVAILABLE',
    'circuit_open',
  ],
  [
    'a write past the request deadline before sending',
    upstreamFailure('users', 'UPSTREAM_TIMEOUT', 'request_deadline', undefined, true),
    false,
    'UPSTREAM_TIMEOUT',
    'request_deadline',
  ],
  ['a write the backend refused (4xx, not a fault)', fromHttpStatus('users', 403), false, 'FORBIDDEN', 'http_403'],
  ['anything that is not a BffError', new Error('boom'), true, 'UPSTREAM_ERROR', 'unexpected'],
];
for (const [what, error, idempotent, code, reason] of callRules) {
  test(`call failure: ${what} → ${code} (${reason})`, () => {
    const bff = callFailure('users', error, idempotent);
    assert.equal(bff.extensions.code, code);
    assert.equal(bff.extensions.reason, reason);
    assert.equal(bff.extensions.upstream, 'users');
    assert.match(bff.message, /^The users service /);
  });
}

test('a GraphQL answer of errors without data is the service failing: a fault', () => {
  const bff = graphqlErrors('reviews');
  assert.equal(bff.extensions.code, 'UPSTREAM_ERROR');
  assert.equal(bff.extensions.reason, 'graphql_errors');
  assert.equal(bff.fault, true);
});
