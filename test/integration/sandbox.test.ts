import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, type RunningBff } from '../fixtures/startBffs.js';

// Developers explore both schemas in Apollo Sandbox: GET on the endpoint from a browser.

let backends: BackendsProcess;
const bffs: RunningBff[] = [];

before(async () => {
  backends = await startBackendsProcess();
  bffs.push(await startBff('mobile', backends), await startBff('web', backends));
});
after(async () => {
  await Promise.all(bffs.map((b) => b.close()));
  await backends?.stop();
});

for (const name of ['mobile', 'web'] as const) {
  test(`bff-${name} serves the Sandbox landing page on GET with Accept: text/html, endpoint pre-filled`, async () => {
    const bff = bffs.find((b) => b.name === name)!;
    const res = await fetch(bff.url, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.match(html, /embeddable-sandbox|EmbeddedSandbox/);
    // The embedded Sandbox points at the page's own URL: this BFF's endpoint.
    assert.match(html, /initialEndpoint/);
  });
}

test('no landing page in production: GET with Accept: text/html is not answered with HTML', async () => {
  const prod = await startBff('web', backends, { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me' });
  try {
    const res = await fetch(prod.url, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(res.headers.get('content-type') ?? '', /text\/html/);
    await res.arrayBuffer();
  } finally {
    await prod.close();
  }
});
