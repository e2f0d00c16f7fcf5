/** How batch calls stay within what a backend accepts, and how their answers are checked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBatch } from '../../src/datasources/checkBatch.js';
import { DEFAULT_MAX_URL_LENGTH, splitIds } from '../../src/datasources/rest/RestClient.js';
import { asBffError } from '../../src/errors/BffError.js';

const PREFIX = '/products?ids=';
const urlOf = (chunk: string[]) => `${PREFIX}${chunk.map(encodeURIComponent).join(',')}`;

test('500 short ids fit one call of the default URL length', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `p-${String(i).padStart(5, '0')}`);
  const chunks = splitIds(PREFIX, ids, DEFAULT_MAX_URL_LENGTH);
  assert.equal(chunks.length, 1);
  assert.ok(urlOf(chunks[0]!).length <= DEFAULT_MAX_URL_LENGTH);
});

test('long ids are split so that no URL exceeds the limit, in order, none lost', () => {
  const ids = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(1700));
  const chunks = splitIds(PREFIX, ids, DEFAULT_MAX_URL_LENGTH);
  assert.equal(chunks.length, 5, 'two 1.7 KB ids per 4 KB URL');
  for (const chunk of chunks) assert.ok(urlOf(chunk).length <= DEFAULT_MAX_URL_LENGTH, `${urlOf(chunk).length}`);
  assert.deepEqual(chunks.flat(), ids);
});

test('the limit counts encoded bytes, commas included, to the byte', () => {
  // "é" is 6 bytes once encoded (%C3%A9).
  const ids = ['é'.repeat(10), 'é'.repeat(10), 'a'];
  const exact = PREFIX.length + 60 + 1 + 60;
  assert.deepEqual(splitIds(PREFIX, ids, exact + 2), [[ids[0], ids[1], 'a']]);
  assert.deepEqual(splitIds(PREFIX, ids, exact + 1), [[ids[0], ids[1]], ['a']]);
  assert.deepEqual(splitIds(PREFIX, ids, exact), [[ids[0], ids[1]], ['a']]);
  assert.deepEqual(splitIds(PREFIX, ids, exact - 1), [[ids[0]], [ids[1], 'a']]);
});

test('an id that alone does not fit is not sent at all', () => {
  assert.deepEqual(splitIds(PREFIX, ['x'.repeat(20_000)], DEFAULT_MAX_URL_LENGTH), []);
  assert.deepEqual(splitIds(PREFIX, ['p-1', 'x'.repeat(20_000), 'p-2'], DEFAULT_MAX_URL_LENGTH), [['p-1', 'p-2']]);
  // encodeURIComponent throws on a lone surrogate: such an id cannot be sent either.
  assert.deepEqual(splitIds(PREFIX, ['p-1', 'p-\ud800'], DEFAULT_MAX_URL_LENGTH), [['p-1']]);
});

const byId = (entity: { id: string }) => entity.id;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    const bff = asBffError(error);
    return `${bff?.extensions.code}/${bff?.extensions.reason}/${bff?.fault}`;
  }
  return 'ok';
};

test('checkBatch: a list of the ids asked for (some left out) passes', () => {
  assert.equal(
    codeOf(() => checkBatch('catalog', [{ id: 'a' }], ['a', 'b'], byId)),
    'ok',
  );
  assert.equal(
    codeOf(() => checkBatch('catalog', [], ['a'], byId)),
    'ok',
  );
});

test('checkBatch: anything else is a malformed answer, a fault of the backend', () => {
  assert.equal(
    codeOf(() => checkBatch('catalog', undefined, ['a'], byId)),
    'UPSTREAM_BAD_RESPONSE/shape/true',
  );
  assert.equal(
    codeOf(() => checkBatch('catalog', '<html>', ['a'], byId)),
    'UPSTREAM_BAD_RESPONSE/shape/true',
  );
  assert.equal(
    codeOf(() => checkBatch('catalog', [null], ['a'], byId)),
    'UPSTREAM_BAD_RESPONSE/shape/true',
  );
  assert.equal(
    codeOf(() => checkBatch('catalog', [{ id: 'a-garbage' }], ['a'], byId)),
    'UPSTREAM_BAD_RESPONSE/unrequested_keys/true',
  );
  assert.equal(
    codeOf(() => checkBatch('catalog', [{ id: 7 }], ['7'], byId)),
    'UPSTREAM_BAD_RESPONSE/unrequested_keys/true',
  );
  const many = Array.from({ length: 20 }, (_, i) => `p-${i}`);
  assert.equal(
    codeOf(() => checkBatch('catalog', [{ id: 'p-3' }, { id: 'p-99' }], many, byId)),
    'UPSTREAM_BAD_RESPONSE/unrequested_keys/true',
  );
});
