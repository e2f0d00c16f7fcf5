import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, before, test } from 'node:test';
import { createIdp, type Idp } from '../../backends/idp/createIdp.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBffProcess, type BffProcess } from '../fixtures/startBffProcess.js';
import { startBff } from '../fixtures/startBffs.js';
import { requireRedis, startRedis, type RedisProcess } from '../fixtures/startRedis.js';

// bff-web as the browser's OAuth token handler, against the real demo IdP (in this process, so
// the test can end a user's sessions there) and two real bff-web processes sharing one Redis, as
// two replicas behind one origin. The browser is a small client that follows redirects and
// keeps cookies; it never sees a token.

const ACCESS_TTL_S = 6; // the deadline under test: access tokens expire and are refreshed (room for a slow sign-in on a loaded machine)
const STAFF_ORDERS = '{ orders(first: 2) { nodes { id } } }';

let backends: BackendsProcess;
let redis: RedisProcess | undefined;
let idp: Idp;
let idpServer: Server;
let idpUrl: string;
let replicaA: BffProcess;
let replicaB: BffProcess;
/** The origin the browser sees: replica A's address, also B's BFF_PUBLIC_ORIGIN (one site, two replicas). */
let origin: string;
let skip = false;

async function freePort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

before(async () => {
  if (!requireRedis({ skip: () => undefined })) {
    skip = true;
    return;
  }
  [backends, redis] = await Promise.all([startBackendsProcess(), startRedis()]);
  idp = await createIdp({ ephemeralKeys: true, accessTokenTtlSeconds: ACCESS_TTL_S });
  idpServer = createServer(idp.handleRequest).listen(0, '127.0.0.1');
  await once(idpServer, 'listening');
  idpUrl = `http://127.0.0.1:${(idpServer.address() as { port: number }).port}`;
  const portA = await freePort();
  origin = `http://127.0.0.1:${portA}`;
  const env = {
    JWKS_URL: `${idpUrl}/.well-known/jwks.json`,
    OIDC_DISCOVERY_URL: `${idpUrl}/.well-known/openid-configuration`,
    REDIS_URL: redis.url,
    BFF_PUBLIC_ORIGIN: origin,
    SESSION_REFRESH_SKEW_S: '1',
    JWT_REQUIRE_AT_JWT: 'true',
  };
  replicaA = await startBffProcess('web', backends, { ...env, BFF_PORT: String(portA) });
  replicaB = await startBffProcess('web', backends, env);
});
after(async () => {
  await Promise.all([replicaA?.kill(), replicaB?.kill()]);
  idpServer?.close();
  await Promise.all([backends?.stop(), redis?.stop()]);
});

/** A browser for one host: cookies kept (by name: all servers here are on 127.0.0.1), redirects followed by hand. */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly visited: string[] = [];

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const maxAge = attributes.find((a) => a.trim().toLowerCase().startsWith('max-age='));
      if (maxAge && Number(maxAge.split('=')[1]) <= 0) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request, no redirect followed. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.keep(res);
    this.visited.push(`${init.method ?? 'GET'} ${url.split('?')[0]} -> ${res.status}`);
    return res;
  }

  /** GETs (or POSTs a form) and follows redirects like a browser; @returns the final response. */
  async navigate(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await this.request(url, init);
    for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
      assert.ok(hops < 10, 'too many redirects');
      url = new URL(res.headers.get('location')!, url).href;
      await res.arrayBuffer();
      res = await this.request(url);
    }
    return { res, url };
  }

  /** Submits the first form of an HTML page, with `extra` fields (the button pressed). */
  async submitForm(page: string, pageUrl: string, extra: Record<string, string>): Promise<{ res: Response; url: string }> {
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action, `no form in ${page.slice(0, 200)}`);
    const fields = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
      fields.append(unescapeHtml(m[1]!), unescapeHtml(m[2]!));
    for (const [k, v] of Object.entries(extra)) fields.append(k, v);
    return this.navigate(new URL(action, pageUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
  }

  /** The whole sign-in: /auth/login on `bff`, the IdP's login page, the user's button, back to the BFF. */
  async signIn(bff: string, sub: string): Promise<string> {
    const login = await this.navigate(`${bff}/auth/login?returnTo=/dashboard`);
    assert.equal(login.res.status, 200);
    assert.ok(login.url.startsWith(`${idpUrl}/authorize?`), login.url);
    const page = await login.res.text();
    assert.match(page, /Sign in to the demo shop/);
    const done = await this.submitForm(page, login.url, { login_user: sub });
    // The BFF sends the browser back to where it started; the dashboard itself is not served here.
    assert.equal(new URL(done.url).pathname, '/dashboard', this.visited.join('\n'));
    return done.url;
  }

  graphql(bff: string, query: string, headers: Record<string, string> = { 'x-bff-csrf': '1', origin }): Promise<Response> {
    return this.request(`${bff}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
  }
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
const json = async (res: Response) =>
  (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: Record<string, unknown> }[] };

test('sign-in leaves the browser with one HttpOnly session cookie and no token; staff queries work on every replica', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const browser = new Browser();
  await browser.signIn(origin, 'u-00001');
  assert.deepEqual([...browser.cookies.keys()], ['bff-session'], 'only the session cookie is left (the login cookie is cleared)');
  const sessionValue = browser.cookies.get('bff-session')!;
  assert.equal(sessionValue.split('.').length, 1, 'the cookie is a random id, not a token');
  const setCookie = browser.visited.find((v) => v.includes('/auth/callback'));
  assert.ok(setCookie?.endsWith('302'));

  for (const replica of [replicaA, replicaB]) {
    const res = await browser.graphql(replica.origin, STAFF_ORDERS);
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal((body.data!.orders as { nodes: unknown[] }).nodes.length, 2);
  }
  const info = (await (await browser.request(`${replicaB.origin}/auth/session`)).json()) as { authenticated: boolean; sub: string };
  assert.deepEqual([info.authenticated, info.sub], [true, 'u-00001']);
});

test('the session cookie is refused without the CSRF header or from another origin; bearer tokens keep working', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const browser = new Browser();
  await browser.signIn(origin, 'u-00001');
  const cases: Array<[string, Record<string, string>]> = [
    ['no CSRF header', { origin }],
    ['another origin', { 'x-bff-csrf': '1', origin: 'https://evil.example' }],
    ['a cross-site fetch', { 'x-bff-csrf': '1', origin, 'sec-fetch-site': 'cross-site' }],
  ];
  for (const [name, headers] of cases) {
    const res = await browser.graphql(replicaA.origin, STAFF_ORDERS, headers);
    const body = await json(res);
    assert.equal(res.status, 403, name);
    assert.equal(body.errors?.[0]?.extensions?.code, 'FORBIDDEN', name);
  }
  // Without the cookie, the same request is anonymous: the staff field needs a user.
  const anonymous = await fetch(`${replicaA.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: STAFF_ORDERS }),
  });
  assert.equal(anonymous.status, 401);
  // A partner's bearer token works beside the token handler, and a cookie next to it is ignored.
  const cc = await fetch(`${idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=acme-reports&client_secret=acme-reports-dev-secret',
  });
  const { access_token: token } = (await cc.json()) as { access_token: string };
  const bearer = await browser.graphql(replicaA.origin, STAFF_ORDERS, { authorization: `Bearer ${token}` });
  assert.equal(bearer.status, 200, JSON.stringify(await json(bearer)));
});

test('an expired access token is refreshed server-side and the other replica sees the new one', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const browser = new Browser();
  await browser.signIn(origin, 'u-00001');
  const first = (await (await browser.request(`${replicaA.origin}/auth/session`)).json()) as { accessTokenExpiresAt: string };
  const expiresAt = Date.parse(first.accessTokenExpiresAt);
  // The deadline under test (ACCESS_TTL_S, less the 1 s refresh skew) passes.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - 1000 - Date.now()) + 50));
  const res = await browser.graphql(replicaB.origin, STAFF_ORDERS);
  assert.equal(res.status, 200, JSON.stringify(await json(res)));
  const second = (await (await browser.request(`${replicaA.origin}/auth/session`)).json()) as { accessTokenExpiresAt: string };
  assert.ok(Date.parse(second.accessTokenExpiresAt) > expiresAt, 'a new access token, seen by the other replica too');
  assert.equal(browser.cookies.size, 1, 'the cookie stays the same');
});

test('a refresh the IdP refuses ends the session with UNAUTHENTICATED and says why', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const browser = new Browser();
  await browser.signIn(origin, 'u-00007');
  assert.ok(idp.oauth.revokeRefreshTokensOf('u-00007') >= 1);
  const info = (await (await browser.request(`${replicaA.origin}/auth/session`)).json()) as { accessTokenExpiresAt: string };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(info.accessTokenExpiresAt) - 1000 - Date.now()) + 50));
  const res = await browser.graphql(replicaA.origin, '{ viewer { id } }');
  const body = await json(res);
  assert.equal(res.status, 401);
  assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  assert.match(body.errors![0]!.message, /session has ended: the identity provider refused to refresh it/);
  const after = (await (await browser.request(`${replicaB.origin}/auth/session`)).json()) as { authenticated: boolean; reason: string };
  assert.deepEqual([after.authenticated, after.reason], [false, 'session_unknown'], 'gone on the other replica too');
});

test('sign-out on one replica ends the session on every replica and at the IdP', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  idp.oauth.revokeRefreshTokensOf('u-00001'); // the earlier tests' sessions: only this one counts below
  const browser = new Browser();
  await browser.signIn(origin, 'u-00001');
  assert.equal((await browser.graphql(replicaB.origin, STAFF_ORDERS)).status, 200);
  const csrfLess = await browser.request(`${replicaA.origin}/auth/logout`, {
    method: 'POST',
    headers: { origin: 'https://evil.example', 'x-bff-csrf': '1' },
  });
  assert.equal(csrfLess.status, 403, 'sign-out is CSRF-protected too');
  const stolen = browser.cookieHeader();
  const res = await browser.request(`${replicaA.origin}/auth/logout`, { method: 'POST', headers: { origin, 'x-bff-csrf': '1' } });
  assert.equal(res.status, 200);
  const { endSessionUrl } = (await res.json()) as { endSessionUrl: string };
  assert.ok(endSessionUrl.startsWith(`${idpUrl}/logout?`), endSessionUrl);
  assert.equal(browser.cookies.size, 0, 'the cookie is cleared');
  // Even a copy of the old cookie is worthless now, on both replicas.
  for (const replica of [replicaA, replicaB]) {
    const replay = await fetch(`${replica.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: stolen, 'x-bff-csrf': '1', origin },
      body: JSON.stringify({ query: STAFF_ORDERS }),
    });
    assert.equal(replay.status, 401);
  }
  assert.equal(idp.oauth.revokeRefreshTokensOf('u-00001'), 0, 'the refresh token was revoked at the IdP');
  const back = await browser.navigate(endSessionUrl);
  assert.equal(back.url, `${origin}/`, 'the IdP sends the browser back to the site');
});

test('PKCE is required: no challenge, no verifier or a wrong verifier get no token', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const redirect = `${origin}/auth/callback`;
  const authorize = (params: Record<string, string>) =>
    fetch(
      `${idpUrl}/authorize?${new URLSearchParams({ client_id: 'bff-web', redirect_uri: redirect, response_type: 'code', scope: 'openid', state: 's', ...params })}`,
      { redirect: 'manual' },
    );
  const noChallenge = await authorize({});
  assert.equal(noChallenge.status, 302);
  assert.equal(new URL(noChallenge.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  const plain = await authorize({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
  assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  const foreign = await authorize({ redirect_uri: 'https://evil.example/cb' });
  assert.equal(foreign.status, 400, 'never redirects to an unregistered URI');

  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const codeFor = async () => {
    const res = await fetch(`${idpUrl}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'bff-web',
        redirect_uri: redirect,
        response_type: 'code',
        scope: 'openid',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        login_user: 'u-00007',
      }).toString(),
    });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const exchange = async (code: string, extra: Record<string, string>) => {
    const res = await fetch(`${idpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect,
        client_id: 'bff-web',
        client_secret: 'bff-web-dev-secret',
        ...extra,
      }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const missing = await exchange(await codeFor(), {});
  assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_grant']);
  const wrong = await exchange(await codeFor(), { code_verifier: randomBytes(32).toString('base64url') });
  assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
  const code = await codeFor();
  const right = await exchange(code, { code_verifier: verifier });
  assert.equal(right.status, 200);
  assert.equal(typeof right.body.refresh_token, 'string');
  const replay = await exchange(code, { code_verifier: verifier });
  assert.equal(replay.status, 400, 'a code works once');
});

test('a callback the BFF did not start is refused, and bff-mobile has no token handler', async (t) => {
  if (skip) return t.skip('redis-server is not installed');
  const forged = await fetch(`${replicaA.origin}/auth/callback?code=abc&state=s`, { redirect: 'manual' });
  assert.equal(forged.status, 400);
  const mobile = await startBff('mobile', backends);
  try {
    assert.equal((await fetch(`${mobile.origin}/auth/login`, { redirect: 'manual' })).status, 404);
  } finally {
    await mobile.close();
  }
});
