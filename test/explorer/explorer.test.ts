/**
 * The developer's view of a BFF over HTTP: the explorer page and its assets (GraphiQL by
 * default, Apollo Sandbox or nothing by BFF_EXPLORER), the SDL with its directives, and
 * `@auth` requirements in introspection. Production serves none of it. The page itself runs
 * in a real browser in explorerBrowser.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildSchema } from 'graphql';
import { type ConfigError, loadConfig } from '../../src/config/loadConfig.js';
import { describeAuth, requirementNote } from '../../src/schema/describeAuth.js';
import { explorerNote } from '../../src/server/explorer/explorerNote.js';
import { TOKEN_PLACEHOLDER } from '../../src/server/explorer/explorerPage.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess } from '../fixtures/startBffProcess.js';
import { gql, startBff, type RunningBff } from '../fixtures/startBffs.js';
import { webProfile } from '../../bff-web/webProfile.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const PRODUCTION = { NODE_ENV: 'production', IDENTITY_HMAC_SECRET: 'dev-identity-secret-change-me' };

let backends: BackendsProcess;
const started: RunningBff[] = [];
async function bff(name: 'web' | 'mobile', env: Record<string, string> = {}): Promise<RunningBff> {
  const running = await startBff(name, backends, env);
  started.push(running);
  return running;
}

before(async () => {
  backends = await startBackendsProcess();
});
after(async () => {
  await Promise.all(started.map((b) => b.close()));
  await backends?.stop();
});

describe('GraphiQL (the default outside production)', () => {
  let web: RunningBff;
  let mobile: RunningBff;
  before(async () => {
    [web, mobile] = await Promise.all([bff('web'), bff('mobile')]);
  });

  test('a browser on the endpoint gets the page, locked to this BFF by its Content-Security-Policy', async () => {
    for (const running of [web, mobile]) {
      const res = await fetch(running.url, { headers: HTML });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"]) assert.ok(csp.includes(directive), csp);
      const html = await res.text();
      assert.match(html, new RegExp(`<title>bff-${running.name} · GraphiQL</title>`));
      // Nothing from anywhere else: every script and style is a path under the endpoint.
      const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      assert.ok(urls.length >= 7, urls.join(' '));
      for (const url of urls) assert.ok(url === 'data:,' || url.startsWith('graphql/'), url);
      assert.doesNotMatch(html, /https?:\/\//);
    }
  });

  test('every asset the page names is served from the installed packages', async () => {
    const html = await (await fetch(web.url, { headers: HTML })).text();
    const assets = [...html.matchAll(/(?:src|href)="(graphql\/explorer\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(assets.map((a) => a.split('/').pop()).sort(), [
      'graphiql.css',
      'graphiql.js',
      'page.css',
      'plugin-explorer.css',
      'plugin-explorer.js',
      'react-dom.js',
      'react.js',
      'start.js',
    ]);
    for (const asset of assets) {
      const res = await fetch(`${web.origin}/${asset}`);
      assert.equal(res.status, 200, asset);
      assert.match(res.headers.get('content-type') ?? '', asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      assert.ok((await res.arrayBuffer()).byteLength > 0, asset);
    }
  });

  test('the headers come pre-filled: an Authorization placeholder and x-bff-debug', async () => {
    const html = await (await fetch(web.url, { headers: HTML })).text();
    const config = JSON.parse(html.match(/<script type="application\/json" id="explorer-config">(.*?)<\/script>/s)![1]!) as {
      defaultHeaders: string;
      tokenCommands: string[];
    };
    assert.deepEqual(JSON.parse(config.defaultHeaders), { Authorization: TOKEN_PLACEHOLDER, 'x-bff-debug': 'fanout' });
    assert.ok(config.tokenCommands.includes('npm run -s token -- --sub u-00007'));
  });

  test('x-bff-debug is not pre-filled where the BFF does not honour it', async () => {
    const quiet = await bff('web', { BFF_FANOUT_DEBUG: 'false' });
    const html = await (await fetch(quiet.url, { headers: HTML })).text();
    assert.doesNotMatch(html, /x-bff-debug\\": \\"fanout/);
    assert.match(html, /Authorization/);
  });

  test('an unknown asset is a JSON 404, and names cannot climb out of the packages', async () => {
    for (const path of ['nope.js', '..%2F..%2Fpackage.json', 'graphiql.min.js.map']) {
      const res = await fetch(`${web.origin}/graphql/explorer/${path}`);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]!.extensions.code, 'NOT_FOUND');
    }
  });

  test('GraphQL over GET still answers JSON to a client that does not ask for HTML', async () => {
    const res = await fetch(`${web.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
  });
});

describe('the SDL and @auth in development', () => {
  let web: RunningBff;
  let mobile: RunningBff;
  before(async () => {
    [web, mobile] = await Promise.all([bff('web'), bff('mobile')]);
  });

  test('GET /graphql/schema.graphql is the client schema with its directives', async () => {
    const res = await fetch(`${web.origin}/graphql/schema.graphql`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const sdl = await res.text();
    assert.match(sdl, /directive @auth\(scopes: \[String!\]! = \[\]\) on FIELD_DEFINITION/);
    assert.match(
      sdl,
      /orders\(first: Int = 20, after: String, status: OrderStatus\): OrderConnection @auth\(scopes: \["orders:read:all"\]\)/,
    );
    assert.match(sdl, /customer\(id: ID!\): Customer @auth\(scopes: \["customers:read"\]\)/);
    // It is this BFF's schema, and a valid one.
    assert.doesNotMatch(sdl, /myOrders/);
    assert.ok(buildSchema(sdl).getQueryType()?.getFields().orders);

    const mobileSdl = await (await fetch(`${mobile.origin}/graphql/schema.graphql`)).text();
    assert.match(mobileSdl, /myOrders\(first: Int = 10, after: String\): OrderHistory @auth/);
  });

  test('introspection (what explorers show) says which fields need a user or a scope', async () => {
    const res = await gql<{ __type: { fields: { name: string; description: string | null }[] } }>(
      web.url,
      '{ __type(name: "Query") { fields { name description } } }',
    );
    const description = Object.fromEntries(res.body.data!.__type.fields.map((f) => [f.name, f.description ?? '']));
    assert.match(description.orders!, /^Recent orders across all customers/);
    assert.ok(description.orders!.endsWith('Requires a signed-in user with the scope `orders:read:all` (`@auth`).'), description.orders);
    assert.equal(
      description.order,
      "One order; null when it does not exist or is not the viewer's (staff see all).\n\nRequires a signed-in user (`@auth`).",
    );
    assert.doesNotMatch(description.product!, /Requires/);
  });

  test('the requirement note names every scope; a schema without @auth is left as it is', () => {
    assert.equal(requirementNote([]), 'Requires a signed-in user (`@auth`).');
    assert.equal(requirementNote(['a:read', 'b:write']), 'Requires a signed-in user with the scopes `a:read`, `b:write` (`@auth`).');
    const plain = buildSchema('type Query { a: Int }');
    assert.equal(describeAuth(plain), plain);
  });

  test('the descriptions do not change what @auth enforces', async () => {
    const res = await gql(web.url, '{ customer(id: "u-00001") { id } }');
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

describe('BFF_EXPLORER', () => {
  test('sandbox: Apollo Sandbox, its endpoint pre-filled; no GraphiQL assets', async () => {
    const sandbox = await bff('mobile', { BFF_EXPLORER: 'sandbox' });
    const res = await fetch(sandbox.url, { headers: HTML });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /embeddable-sandbox|EmbeddedSandbox/);
    assert.match(html, /initialEndpoint/);
    assert.equal((await fetch(`${sandbox.origin}/graphql/explorer/graphiql.js`)).status, 404);
    assert.equal((await fetch(`${sandbox.origin}/graphql/schema.graphql`)).status, 200);
  });

  test('off: a browser gets JSON; the SDL is still there', async () => {
    const off = await bff('web', { BFF_EXPLORER: 'off' });
    const res = await fetch(off.url, { headers: HTML });
    assert.match(res.headers.get('content-type') ?? '', /json/);
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    assert.equal((await fetch(`${off.origin}/graphql/schema.graphql`)).status, 200);
  });

  test('a value that is not a mode is refused, naming the variable', () => {
    assert.throws(
      () => loadConfig(webProfile, { BFF_EXPLORER: 'playground' }),
      (error: ConfigError) => /BFF_EXPLORER/.test(error.message),
    );
  });

  test('production: no explorer by default, and asking for one is a configuration error', () => {
    assert.equal(loadConfig(webProfile, PRODUCTION).explorer, 'off');
    assert.equal(loadConfig(webProfile, { ...PRODUCTION, BFF_EXPLORER: 'off' }).explorer, 'off');
    for (const mode of ['graphiql', 'sandbox']) {
      assert.throws(
        () => loadConfig(webProfile, { ...PRODUCTION, BFF_EXPLORER: mode }),
        (error: ConfigError) => /BFF_EXPLORER: production serves no explorer/.test(error.message),
      );
    }
    assert.equal(loadConfig(webProfile, {}).explorer, 'graphiql');
  });

  test('production: no page, no assets, no SDL', async () => {
    const prod = await bff('web', PRODUCTION);
    const page = await fetch(prod.url, { headers: HTML });
    assert.doesNotMatch(page.headers.get('content-type') ?? '', /text\/html/);
    await page.arrayBuffer();
    for (const path of ['/graphql/explorer/graphiql.js', '/graphql/explorer/start.js', '/graphql/schema.graphql']) {
      const res = await fetch(`${prod.origin}${path}`);
      assert.equal(res.status, 404, path);
      await res.arrayBuffer();
    }
  });
});

describe('the start-up banners say what a browser gets', () => {
  test('one sentence per mode', () => {
    assert.equal(
      explorerNote({ production: false, explorer: 'graphiql' }),
      'open in a browser for GraphiQL, served by the BFF (works offline)',
    );
    assert.match(explorerNote({ production: false, explorer: 'sandbox' }), /Apollo Sandbox .*needs internet/);
    assert.equal(explorerNote({ production: false, explorer: 'off' }), 'no explorer (BFF_EXPLORER=off)');
    assert.equal(explorerNote({ production: true, explorer: 'off' }), 'production: no explorer, introspection off');
  });

  test("a production BFF process's ready line says there is no explorer", async () => {
    const prod = await startBffProcess('web', backends, PRODUCTION);
    try {
      const ready = String(prod.lines.find((line) => line.event === 'bff.ready')?.msg);
      assert.match(
        ready,
        /^bff-web ready at http:\/\/127\.0\.0\.1:\d+\/graphql \(production: no explorer, introspection off\); admin \(probes, metrics\) at http:\/\/127\.0\.0\.1:\d+$/,
      );
    } finally {
      await prod.kill();
    }
  });
});
