/** The HTTP edge sheds slow and idle clients (timeouts shortened here so the test is quick). */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';

let backends: BackendsProcess;
let bff: RunningBff;
before(async () => {
  backends = await startBackendsProcess();
  bff = await startBff('mobile', backends, {
    BFF_REQUEST_TIMEOUT_MS: '200',
    BFF_HEADERS_TIMEOUT_MS: '300',
    BFF_RECEIVE_TIMEOUT_MS: '600',
    BFF_IDLE_TIMEOUT_MS: '400',
  });
});
after(async () => {
  await bff?.close();
  await backends?.stop();
});

/** Opens a raw connection, writes `start`, then each of `drip` every 50 ms; resolves when the server closes it. */
async function heldOpen(start: string, drip: string): Promise<{ ms: number; response: string }> {
  const { port } = new URL(bff.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let response = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    response += chunk;
  });
  socket.write(start);
  const trickle = setInterval(() => {
    if (!socket.destroyed) socket.write(drip);
  }, 50);
  try {
    await once(socket, 'close');
  } finally {
    clearInterval(trickle);
  }
  return { ms: Date.now() - started, response };
}

test('a connection gone silent mid-request is closed', async () => {
  const { ms } = await heldOpen('POST /graphql HTTP/1.1\r\nHost: bff\r\n', '');
  assert.ok(ms < 3_000, `closed after ${ms} ms`);
});

test('a client trickling header bytes (slowloris) is cut off by the headers timeout', async () => {
  const { ms, response } = await heldOpen('POST /graphql HTTP/1.1\r\nHost: bff\r\nX-Slow: ', 'a');
  assert.ok(ms < 3_000, `closed after ${ms} ms`);
  assert.match(response, /^HTTP\/1\.1 408/);
});

test('a client trickling its body is cut off by the receive timeout', async () => {
  const head = 'POST /graphql HTTP/1.1\r\nHost: bff\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
  const { ms } = await heldOpen(head, ' ');
  assert.ok(ms < 4_000, `closed after ${ms} ms`);
});
