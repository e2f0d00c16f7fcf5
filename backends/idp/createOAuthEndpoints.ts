import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';

/**
 * The demo IdP's OAuth 2.0 / OpenID Connect endpoints, enough for a BFF to be a confidential
 * client and a resource server against it:
 *
 *   GET  /.well-known/openid-configuration   discovery (RFC 8414 / OIDC Discovery)
 *   GET  /authorize                          authorization code + PKCE (S256 only, required): a login page
 *   POST /authorize                          the login page's form: picks a demo user, redirects with a code
 *   POST /oauth/token                        authorization_code, refresh_token (rotated), client_credentials
 *   POST /introspect                         RFC 7662, client authentication required
 *   POST /revoke                             RFC 7009 (access tokens that are opaque, refresh tokens)
 *   GET  /logout                             end session: revokes the session's refresh tokens, redirects back
 *
 * A demo: no passwords (the login page lists the demo users), state in memory. Everything a
 * real IdP refuses that a client could get wrong is refused here too (PKCE missing or wrong, a
 * code used twice, a redirect URI not registered, a refresh token replayed after rotation), so
 * the BFF's handling of those refusals is tested against a server that makes them.
 */

/** One registered client. */
export interface OAuthClient {
  id: string;
  /** Confidential clients authenticate with it (client_secret_basic or client_secret_post). */
  secret: string;
  grants: ReadonlyArray<'authorization_code' | 'refresh_token' | 'client_credentials'>;
  /**
   * Redirect URIs, compared exactly, except that a loopback `http://127.0.0.1:<any port>/…`
   * matches any port (RFC 8252 §7.3), as BFFs under test listen on port 0.
   */
  redirectUris?: readonly string[];
  /** The scopes it may have; for client_credentials, the scopes its tokens get. */
  scope: string;
  /** Its access tokens are opaque handles (checked by introspection) instead of JWTs. */
  opaqueTokens?: boolean;
  /** May call /introspect (resource servers). */
  mayIntrospect?: boolean;
}

export interface DemoUser {
  sub: string;
  name: string;
  scope: string;
}

export interface OAuthEndpointsOptions {
  issuer: string;
  audience: string;
  clients: readonly OAuthClient[];
  users: readonly DemoUser[];
  /** Lifetime of access tokens issued by these endpoints; default 300 s. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens; default 8 h. */
  refreshTokenTtlSeconds?: number;
  /** Signs a JWT with the IdP's current key, header `typ` as given. */
  sign(payload: JWTPayload, typ: string, ttlSeconds: number): Promise<string>;
  /** @returns the claims of a JWT this IdP signed and that has not expired, or null. */
  verifyOwn(token: string): Promise<JWTPayload | null>;
  now?: () => number;
}

export interface OAuthEndpoints {
  /** @returns true when it handled the request (the path is one of its endpoints). */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /** An opaque access token for `sub` (the dev /token endpoint's `format: "opaque"`). */
  issueOpaque(claims: { sub: string; scope: string; aud: string; clientId?: string; ttlSeconds: number }): string;
  /** Revokes an opaque access token or a refresh token; @returns whether it was known. */
  revoke(token: string): boolean;
  /** Revokes every refresh token of `sub` (an administrator ending a user's sessions); @returns how many. */
  revokeRefreshTokensOf(sub: string): number;
  /** How many introspection requests were answered (tests assert the BFF's cache on it). */
  readonly introspections: number;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  sub: string;
  scope: string;
  nonce: string | undefined;
  sid: string;
  expiresAt: number;
}

interface RefreshGrant {
  clientId: string;
  sub: string;
  scope: string;
  sid: string;
  expiresAt: number;
}

interface OpaqueGrant {
  sub: string;
  scope: string;
  aud: string;
  clientId: string | undefined;
  iat: number;
  exp: number;
}

const MAX_FORM_BYTES = 16 * 1024;
const CODE_TTL_S = 60;
const handle = () => randomBytes(32).toString('base64url');
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export function createOAuthEndpoints(options: OAuthEndpointsOptions): OAuthEndpoints {
  const { issuer, audience } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const accessTtl = options.accessTokenTtlSeconds ?? 300;
  const refreshTtl = options.refreshTokenTtlSeconds ?? 8 * 3600;
  const clients = new Map(options.clients.map((c) => [c.id, c]));
  const users = new Map(options.users.map((u) => [u.sub, u]));
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, RefreshGrant>();
  const opaque = new Map<string, OpaqueGrant>();
  let introspections = 0;

  function sweep(): void {
    const t = now();
    for (const [k, v] of codes) if (v.expiresAt <= t) codes.delete(k);
    for (const [k, v] of refreshTokens) if (v.expiresAt <= t) refreshTokens.delete(k);
    for (const [k, v] of opaque) if (v.exp <= t) opaque.delete(k);
  }

  function issueOpaque(claims: { sub: string; scope: string; aud: string; clientId?: string; ttlSeconds: number }): string {
    const token = handle();
    const iat = now();
    opaque.set(token, {
      sub: claims.sub,
      scope: claims.scope,
      aud: claims.aud,
      clientId: claims.clientId,
      iat,
      exp: iat + claims.ttlSeconds,
    });
    return token;
  }

  function redirectAllowed(client: OAuthClient, uri: string): boolean {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return false;
    }
    return (client.redirectUris ?? []).some((registered) => {
      if (registered === uri) return true;
      const r = new URL(registered);
      return (
        r.protocol === 'http:' &&
        r.hostname === '127.0.0.1' &&
        url.protocol === 'http:' &&
        url.hostname === '127.0.0.1' &&
        url.pathname === r.pathname &&
        url.search === ''
      );
    });
  }

  /** client_secret_basic or client_secret_post; @throws OAuthError 401 invalid_client. */
  function authenticateClient(req: IncomingMessage, form: URLSearchParams): OAuthClient {
    let id: string | null = null;
    let secret: string | null = null;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    } else {
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    const client = id === null ? undefined : clients.get(id);
    if (!client || secret === null || !equal(secret, client.secret))
      throw new OAuthError(401, 'invalid_client', 'client authentication failed');
    return client;
  }

  async function accessTokenFor(client: OAuthClient, sub: string, scope: string): Promise<string> {
    if (client.opaqueTokens) return issueOpaque({ sub, scope, aud: audience, clientId: client.id, ttlSeconds: accessTtl });
    return options.sign({ sub, scope, aud: audience, client_id: client.id }, 'at+jwt', accessTtl);
  }

  async function tokenResponse(
    client: OAuthClient,
    grant: { sub: string; scope: string; sid: string; nonce?: string | undefined },
    withRefresh: boolean,
  ): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = {
      access_token: await accessTokenFor(client, grant.sub, grant.scope),
      token_type: 'Bearer',
      expires_in: accessTtl,
      scope: grant.scope,
    };
    if (withRefresh && client.grants.includes('refresh_token')) {
      const refresh = handle();
      refreshTokens.set(refresh, {
        clientId: client.id,
        sub: grant.sub,
        scope: grant.scope,
        sid: grant.sid,
        expiresAt: now() + refreshTtl,
      });
      body.refresh_token = refresh;
    }
    if (grant.scope.split(' ').includes('openid')) {
      body.id_token = await options.sign(
        { sub: grant.sub, aud: client.id, sid: grant.sid, auth_time: now(), ...(grant.nonce !== undefined && { nonce: grant.nonce }) },
        'JWT',
        accessTtl,
      );
    }
    return body;
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const client = authenticateClient(req, form);
    const grantType = form.get('grant_type') ?? '';
    if (!(client.grants as readonly string[]).includes(grantType))
      throw new OAuthError(400, 'unauthorized_client', `grant_type ${grantType} is not allowed for this client`);
    sweep();
    if (grantType === 'client_credentials') {
      // A client's own token: sub is the client id (RFC 9068 §2.2); it gets the scopes it is registered for.
      return sendOAuth(res, 200, await tokenResponse(client, { sub: client.id, scope: client.scope, sid: '' }, false));
    }
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code); // one use, whatever happens next
      if (!pending || pending.clientId !== client.id) throw new OAuthError(400, 'invalid_grant', 'unknown, used or expired code');
      if (form.get('redirect_uri') !== pending.redirectUri)
        throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
      const verifier = form.get('code_verifier');
      if (!verifier) throw new OAuthError(400, 'invalid_grant', 'code_verifier is required (PKCE)');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !equal(sha256(verifier), pending.challenge))
        throw new OAuthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      return sendOAuth(res, 200, await tokenResponse(client, pending, true));
    }
    // refresh_token: rotated on every use; the old one stops working (a replay is refused).
    const presented = form.get('refresh_token') ?? '';
    const grant = refreshTokens.get(presented);
    refreshTokens.delete(presented);
    if (!grant || grant.clientId !== client.id)
      throw new OAuthError(400, 'invalid_grant', 'unknown, used, revoked or expired refresh token');
    return sendOAuth(res, 200, await tokenResponse(client, grant, true));
  }

  /** GET /authorize: checks the request, then shows the login page (or redirects with an error). */
  function authorizeRequest(params: URLSearchParams): { client: OAuthClient; redirectUri: string } {
    const client = clients.get(params.get('client_id') ?? '');
    if (!client?.grants.includes('authorization_code')) throw new OAuthError(400, 'invalid_client', 'unknown client_id');
    const redirectUri = params.get('redirect_uri') ?? '';
    // Never redirect to a URI that is not registered: an error here goes to the user, not the URI.
    if (!redirectAllowed(client, redirectUri))
      throw new OAuthError(400, 'invalid_request', 'redirect_uri is not registered for this client');
    return { client, redirectUri };
  }

  function authorizeError(params: URLSearchParams): string | undefined {
    if (params.get('response_type') !== 'code') return 'unsupported_response_type';
    if (!params.get('code_challenge')) return 'invalid_request'; // PKCE is required
    if (params.get('code_challenge_method') !== 'S256') return 'invalid_request'; // plain is not accepted
    return undefined;
  }

  function redirectWith(res: ServerResponse, redirectUri: string, values: Record<string, string | undefined>): void {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
    res.writeHead(302, { location: url.href, 'cache-control': 'no-store' });
    res.end();
  }

  function loginPage(res: ServerResponse, params: URLSearchParams): void {
    const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    const buttons = [...users.values()]
      .map((u) => `<button type="submit" name="login_user" value="${esc(u.sub)}">${esc(u.name)} (${esc(u.sub)})</button>`)
      .join('<br>');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Demo IdP: sign in</title></head><body>
<h1>Sign in to the demo shop</h1><p>A demo identity provider: pick a user (no password).</p>
<form method="post" action="/authorize">${hidden}${buttons}</form></body></html>`;
    // Browsers apply form-action to the redirects that follow the POST too: the form may go to
    // this IdP and on to the client's (already validated) redirect URI, nowhere else.
    const redirectOrigin = originOf(params.get('redirect_uri'));
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The login page must not be framed (clickjacking) nor run scripts.
      'x-frame-options': 'DENY',
      'content-security-policy': `default-src 'none'; form-action 'self'${redirectOrigin ? ` ${redirectOrigin}` : ''}; frame-ancestors 'none'`,
    });
    res.end(html);
  }

  async function authorize(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    const { client, redirectUri } = authorizeRequest(params);
    const state = params.get('state') ?? undefined;
    const error = authorizeError(params);
    if (error)
      return redirectWith(res, redirectUri, {
        error,
        error_description: 'PKCE with S256 and response_type=code are required',
        state,
        iss: issuer,
      });
    if (req.method === 'GET') return loginPage(res, params);
    const user = users.get(params.get('login_user') ?? '');
    if (!user) return redirectWith(res, redirectUri, { error: 'access_denied', state, iss: issuer });
    const requested = (params.get('scope') ?? 'openid').split(' ').filter(Boolean);
    // Granted: what was asked for, within the client's and the user's scopes (openid always allowed).
    const allowed = new Set(['openid', 'offline_access', ...client.scope.split(' '), ...user.scope.split(' ')]);
    const userScopes = new Set(['openid', 'offline_access', ...user.scope.split(' ')]);
    const granted = requested.filter((s) => allowed.has(s) && userScopes.has(s));
    const code = handle();
    codes.set(code, {
      clientId: client.id,
      redirectUri,
      challenge: params.get('code_challenge')!,
      sub: user.sub,
      scope: granted.join(' '),
      nonce: params.get('nonce') ?? undefined,
      sid: handle(),
      expiresAt: now() + CODE_TTL_S,
    });
    return redirectWith(res, redirectUri, { code, state, iss: issuer });
  }

  async function introspect(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const client = authenticateClient(req, form);
    if (!client.mayIntrospect) throw new OAuthError(403, 'unauthorized_client', 'this client may not introspect tokens');
    introspections++;
    const presented = form.get('token') ?? '';
    const grant = opaque.get(presented);
    if (grant && grant.exp > now()) {
      return sendOAuth(res, 200, {
        active: true,
        sub: grant.sub,
        scope: grant.scope,
        aud: grant.aud,
        iss: issuer,
        iat: grant.iat,
        exp: grant.exp,
        token_type: 'Bearer',
        ...(grant.clientId !== undefined && { client_id: grant.clientId }),
      });
    }
    const claims = grant ? null : await options.verifyOwn(presented);
    if (claims) return sendOAuth(res, 200, { active: true, ...claims, iss: issuer, token_type: 'Bearer' });
    return sendOAuth(res, 200, { active: false });
  }

  function revoke(token: string): boolean {
    return opaque.delete(token) || refreshTokens.delete(token);
  }

  function discovery(res: ServerResponse, base: string): void {
    sendOAuth(
      res,
      200,
      {
        issuer,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/oauth/token`,
        introspection_endpoint: `${base}/introspect`,
        revocation_endpoint: `${base}/revoke`,
        end_session_endpoint: `${base}/logout`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        scopes_supported: [
          'openid',
          'offline_access',
          ...new Set([...options.users, ...options.clients].flatMap((x) => x.scope.split(' '))),
        ],
        authorization_response_iss_parameter_supported: true,
      },
      { 'cache-control': 'public, max-age=300' },
    );
  }

  /** GET /logout: the session named by id_token_hint loses its refresh tokens; back to a registered URI. */
  async function logout(res: ServerResponse, params: URLSearchParams): Promise<void> {
    const hint = params.get('id_token_hint');
    const claims = hint ? await options.verifyOwn(hint) : null;
    if (claims && typeof claims.sid === 'string') {
      for (const [k, v] of refreshTokens) if (v.sid === claims.sid) refreshTokens.delete(k);
    }
    const target = params.get('post_logout_redirect_uri');
    const client = clients.get(params.get('client_id') ?? (typeof claims?.aud === 'string' ? claims.aud : ''));
    if (target && client && redirectAllowed(client, target)) return redirectWith(res, target, { state: params.get('state') ?? undefined });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><p>Signed out.</p>');
  }

  return {
    get introspections() {
      return introspections;
    },
    issueOpaque,
    revoke,
    revokeRefreshTokensOf(sub) {
      let count = 0;
      for (const [k, v] of refreshTokens) if (v.sub === sub && refreshTokens.delete(k)) count++;
      return count;
    },
    async handle(req, res, path) {
      try {
        const method = req.method ?? 'GET';
        const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
        if (method === 'GET' && path === '/.well-known/openid-configuration') {
          discovery(res, `http://${req.headers.host ?? '127.0.0.1'}`);
        } else if (path === '/authorize' && method === 'GET') await authorize(req, res, query);
        else if (path === '/authorize' && method === 'POST') await authorize(req, res, await readForm(req));
        else if (path === '/oauth/token' && method === 'POST') await token(req, res);
        else if (path === '/introspect' && method === 'POST') await introspect(req, res);
        else if (path === '/revoke' && method === 'POST') {
          const form = await readForm(req);
          authenticateClient(req, form);
          revoke(form.get('token') ?? '');
          sendOAuth(res, 200, {});
        } else if (path === '/logout' && method === 'GET') await logout(res, query);
        else return false;
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        sendOAuth(
          res,
          error.status,
          { error: error.error, error_description: error.message },
          error.status === 401 ? { 'www-authenticate': 'Basic realm="idp"' } : {},
        );
      }
      return true;
    },
  };
}

function sendOAuth(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw new OAuthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new OAuthError(400, 'invalid_request', 'body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** @returns the http(s) origin of `url`, or undefined when it is not one. */
function originOf(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
