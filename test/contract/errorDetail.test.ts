import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { STACK_FRAMES } from '../../src/operation/formatResult.js';
import { operation } from '../fixtures/operations.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';

// Development error bodies: stack traces stay in the logs; a client gets a short one only when
// it asks with `x-bff-debug: stack` (never in production: test/security/production.test.ts).
let backends: BackendsProcess;
let web: RunningBff;
let customer: string;
before(async () => {
  backends = await startBackendsProcess();
  web = await startBff('web', backends);
  customer = await tokenFor(backends, 'u-00007');
});
after(async () => {
  await web?.close();
  await backends?.stop();
});

type Body = { errors?: { extensions?: Record<string, unknown> }[] };
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(web.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Body };
}

const requests = [
  ['a refusal (403, through Apollo)', operation('web', 'OrdersTable').query, { first: 5 }],
  ['a validation failure', '{ nope }', {}],
  ['a field error on the fast path (inventory failing)', operation('web', 'ProductPage').query, { id: 'p-00042' }],
] as const;

for (const [what, query, variables] of requests) {
  test(`${what}: no stack trace unless asked, a short one when asked`, async () => {
    await backends.admin.faults(what.includes('inventory') ? { inventory: { errorRate: 1 } } : {});
    const plain = await post(query, variables);
    assert.ok(plain.body.errors?.length, 'the request fails');
    assert.doesNotMatch(plain.text, /stacktrace/);
    for (const error of plain.body.errors!) assert.ok(JSON.stringify(error).length < 400, `a short error: ${JSON.stringify(error)}`);

    const asked = await post(query, variables, { 'x-bff-debug': 'stack' });
    const stack = asked.body.errors?.[0]?.extensions?.stacktrace as string[] | undefined;
    assert.ok(Array.isArray(stack), 'a stack trace when asked');
    assert.ok(stack.length >= 1 && stack.length <= 1 + STACK_FRAMES, `${stack.length} lines`);
    assert.ok(!stack.some((line) => line.includes(process.cwd())), 'paths relative to the project');
    assert.equal(asked.status, plain.status);
    const both = await post(query, variables, { 'x-bff-debug': 'fanout, stack' });
    assert.ok(both.body.errors?.[0]?.extensions?.stacktrace, 'a list asks for both');
    assert.ok(
      (both.body as { extensions?: { fanout?: unknown } }).extensions?.fanout || what.includes('validation'),
      'and the fan-out receipt',
    );
    await backends.admin.reset();
  });
}
