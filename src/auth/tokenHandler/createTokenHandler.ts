import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as Oidc from 'openid-client';
import { BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';
import type { Logger } from '../../observability/createLogger.js';
import type { RedisClient } from '../../redis/createRedisClient.js';
import type { Authenticator } from '../createAuthenticator.js';
import { createMemorySessionStore, createRedisSessionStore, type Session, type SessionStore } from './SessionStore.js';

/** The token handler's settings (loadConfig's `tokenHandler`; docs/configuration.md). */
export interface TokenHandlerSettings {
  /** The IdP's discovery document (a `/.well-known/` URL: its `issuer` may differ from where it is served). */
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scopes asked for at sign-in (the IdP grants what the user has). */
  scope: string;
  /** The browser's origin of this BFF (`https://dashboard.example`); default: the listening address (development). */
  publicOrigin: string | undefined;
  /** Absolute session lifetime from sign-in. */
  sessionTtlSeconds: number;
  /** The access token is refreshed when it has less than this left. */
  refreshSkewSeconds: number;
  /** Allow an `http:` IdP (development and tests only). */
  allowInsecureIdp: boolean;
}

export interface TokenHandlerOptions {
  settings: TokenHandlerSettings;
  /** Shared sessions when present; otherwise each process keeps its own. */
  redis: RedisClient | undefined;
  /** Key prefix in Redis, e.g. `bff-web`. */
  keyPrefix: string;
  log: Logger;
  now?: () => number;
}

export interface TokenHandler {
  /** Adds GET /auth/login, GET /auth/callback, GET /auth/session and POST /auth/logout. */
  register(app: FastifyInstance): void;
  /**
   * @returns an authenticator that also accepts the session cookie: a request with a bearer
   * token or an API key goes to `next` unchanged (the cookie is then ignored); one with only
   * the cookie must pass the CSRF checks, and then acts with the session's access token.
   */
  wrap(next: Authenticator): Authenticator;
}

/** The header a cookie-authenticated request must carry; a cross-site page cannot set it without a CORS preflight this BFF never grants. */
export const CSRF_HEADER = 'x-bff-csrf';
const LOGIN_TTL_S = 600;

/**
 * openid-client, loaded by the first discovery (the first sign-in or refresh), not at start: a
 * BFF whose browsers never sign in does not keep it in memory (docs/performance.md, "Memory").
 * Every use below follows an `await client()`.
 */
let oidc!: typeof Oidc;
async function loadOidc(): Promise<typeof Oidc> {
  oidc = await import('openid-client');
  return oidc;
}

const SESSION_ENDED = 'Your session has ended. Sign in again.';

/**
 * The browser's token handler ("OAuth 2.0 for Browser-Based Applications", the BFF pattern):
 * this BFF is a confidential OAuth client that runs the authorization-code flow with PKCE
 * (openid-client), keeps the access and refresh tokens in a server-side session, and gives the
 * browser only an HttpOnly session cookie. docs/security.md describes the flow and its threats.
 */
export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  const { settings, log } = options;
  const now = options.now ?? Date.now;
  const store: SessionStore = options.redis ? createRedisSessionStore(options.redis, options.keyPrefix) : createMemorySessionStore(now);
  let discovered: Promise<Oidc.Configuration> | undefined;
  let origin = settings.publicOrigin;
  const refreshing = new Map<string, Promise<Session>>();
  let server: FastifyInstance | undefined;

  /** BFF_PUBLIC_ORIGIN, or in development the address the BFF listens on. */
  function originOf(): string {
    if (origin === undefined) {
      const address = server?.server.address();
      if (!address || typeof address !== 'object')
        throw new TypeError('createTokenHandler: the public origin is unknown before the server listens');
      origin = `http://127.0.0.1:${address.port}`;
    }
    return origin;
  }

  /** Discovery once, lazily (the BFF starts while the IdP is down); a failure is retried on the next use. */
  function client(): Promise<Oidc.Configuration> {
    discovered ??= loadOidc()
      .then((loaded) =>
        loaded.discovery(new URL(settings.discoveryUrl), settings.clientId, settings.clientSecret, undefined, {
          ...(settings.allowInsecureIdp && { execute: [loaded.allowInsecureRequests] }),
          timeout: 5,
        }),
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, 'The identity provider is unavailable.', {
          reason: 'oidc_discovery_failed',
          cause: error,
        });
      });
    return discovered;
  }

  // Secure cookies and the __Host- prefix need an https origin; on http://127.0.0.1 (development)
  // browsers would drop them, so there the cookie is plain HttpOnly (see docs/security.md).
  const secure = () => originOf().startsWith('https:');
  const sessionCookie = () => (secure() ? '__Host-bff-session' : 'bff-session');
  const loginCookie = () => (secure() ? '__Host-bff-login' : 'bff-login');
  const cookie = (name: string, value: string, sameSite: 'Strict' | 'Lax', maxAge: number) =>
    `${name}=${value}; Path=/; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}${secure() ? '; Secure' : ''}`;

  function sessionFromTokens(tokens: Oidc.TokenEndpointResponse & Oidc.TokenEndpointResponseHelpers, previous?: Session): Session {
    const t = now();
    return {
      sub: tokens.claims()?.sub ?? previous?.sub ?? '',
      accessToken: tokens.access_token,
      // A refresh may or may not rotate the refresh token; keep the old one when it does not.
      refreshToken: tokens.refresh_token ?? previous?.refreshToken,
      idToken: tokens.id_token ?? previous?.idToken,
      accessExpiresAt: t + (tokens.expires_in ?? 60) * 1000,
      endsAt: previous?.endsAt ?? t + settings.sessionTtlSeconds * 1000,
    };
  }

  /**
   * @returns the session with an access token that is good for at least the skew, refreshing it
   * (once per process at a time) when needed.
   * @throws BffError UNAUTHENTICATED when the session is unknown, over, or cannot be refreshed
   * (it is then deleted, on every replica when the store is shared).
   */
  async function liveSession(id: string): Promise<Session> {
    const session = await store.get(id);
    if (!session) throw BffError.request(ErrorCode.UNAUTHENTICATED, SESSION_ENDED, { reason: 'session_unknown' });
    if (session.accessExpiresAt - settings.refreshSkewSeconds * 1000 > now()) return session;
    let pending = refreshing.get(id);
    if (!pending) {
      pending = refresh(id, session).finally(() => refreshing.delete(id));
      refreshing.set(id, pending);
    }
    return pending;
  }

  async function refresh(id: string, session: Session): Promise<Session> {
    if (!session.refreshToken) {
      await store.delete(id);
      throw BffError.request(ErrorCode.UNAUTHENTICATED, 'Your session has ended: it cannot be refreshed. Sign in again.', {
        reason: 'session_no_refresh_token',
      });
    }
    try {
      const config = await client(); // loads openid-client first
      const tokens = await oidc.refreshTokenGrant(config, session.refreshToken);
      const next = sessionFromTokens(tokens, session);
      await store.set(id, next);
      return next;
    } catch (error) {
      if (error instanceof BffError) throw error;
      // Another replica may have refreshed first (the IdP rotates refresh tokens, so ours is
      // now spent): its result is in the shared store.
      const current = await store.get(id);
      if (current && current.refreshToken !== session.refreshToken && current.accessExpiresAt > now()) return current;
      if (!(error instanceof oidc.ResponseBodyError)) {
        throw BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, 'The identity provider is unavailable.', {
          reason: 'refresh_unreachable',
          cause: error,
        });
      }
      await store.delete(id);
      log.info({ reason: error.error }, 'session ended: refresh refused');
      throw BffError.request(
        ErrorCode.UNAUTHENTICATED,
        'Your session has ended: the identity provider refused to refresh it. Sign in again.',
        { reason: 'session_refresh_failed', cause: error },
      );
    }
  }

  /**
   * The CSRF defence of a cookie-authenticated request, both parts enforced by browsers: a
   * custom header (a cross-site page can only send one after a CORS preflight, which this BFF
   * never grants) and, when the browser says where the request comes from (`Origin`,
   * `Sec-Fetch-Site`), this very origin. (A same-origin GET may come without `Origin`.)
   *
   * @throws BffError FORBIDDEN.
   */
  function checkCsrf(headers: IncomingHttpHeaders): void {
    const refuse = (reason: string) => {
      throw BffError.request(
        ErrorCode.FORBIDDEN,
        `A request signed in with the session cookie needs the ${CSRF_HEADER} header and this site's Origin.`,
        { reason },
      );
    };
    if (headers[CSRF_HEADER] === undefined) refuse('csrf_header_missing');
    if (headers.origin !== undefined && headers.origin !== originOf()) refuse('csrf_origin_mismatch');
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') refuse('csrf_cross_site');
  }

  function sessionIdOf(headers: IncomingHttpHeaders): string | undefined {
    return cookiesOf(headers.cookie).get(sessionCookie());
  }

  const returnToOf = (value: unknown) =>
    typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') && value.length <= 512
      ? value
      : '/';

  async function login(request: FastifyRequest, reply: FastifyReply) {
    const config = await client();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const loginId = randomId();
    const returnTo = returnToOf((request.query as Record<string, unknown>).returnTo);
    await store.putOnce(loginId, JSON.stringify({ verifier, state, returnTo }), LOGIN_TTL_S);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${originOf()}/auth/callback`,
      scope: settings.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    // Lax: the callback arrives as a top-level navigation from the IdP's site.
    return reply
      .header('set-cookie', cookie(loginCookie(), loginId, 'Lax', LOGIN_TTL_S))
      .header('cache-control', 'no-store')
      .redirect(url.href, 302);
  }

  async function callback(request: FastifyRequest, reply: FastifyReply) {
    const loginId = cookiesOf(request.headers.cookie).get(loginCookie());
    const pendingText = loginId === undefined ? undefined : await store.takeOnce(loginId);
    if (!pendingText)
      throw BffError.request(ErrorCode.BAD_REQUEST, 'This sign-in is unknown or expired. Start again at /auth/login.', {
        reason: 'login_unknown',
      });
    const pending = JSON.parse(pendingText) as { verifier: string; state: string; returnTo: string };
    let tokens: Oidc.TokenEndpointResponse & Oidc.TokenEndpointResponseHelpers;
    try {
      const config = await client(); // loads openid-client first
      tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, originOf()), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof BffError) throw error;
      log.info({ err: error }, 'sign-in refused');
      throw BffError.request(ErrorCode.UNAUTHENTICATED, 'Sign-in failed. Start again at /auth/login.', {
        reason: 'login_failed',
        cause: error,
      });
    }
    const id = randomId();
    await store.set(id, sessionFromTokens(tokens));
    return reply
      .header('set-cookie', [cookie(sessionCookie(), id, 'Strict', settings.sessionTtlSeconds), cookie(loginCookie(), '', 'Lax', 0)])
      .header('cache-control', 'no-store')
      .redirect(pending.returnTo, 302);
  }

  async function sessionInfo(request: FastifyRequest, reply: FastifyReply) {
    void reply.header('cache-control', 'no-store');
    const id = sessionIdOf(request.headers);
    if (id === undefined) return { authenticated: false, reason: 'no_session' };
    try {
      const session = await liveSession(id);
      return {
        authenticated: true,
        sub: session.sub,
        accessTokenExpiresAt: new Date(session.accessExpiresAt).toISOString(),
        sessionEndsAt: new Date(session.endsAt).toISOString(),
      };
    } catch (error) {
      if (error instanceof BffError && error.code === ErrorCode.UNAUTHENTICATED) {
        void reply.header('set-cookie', cookie(sessionCookie(), '', 'Strict', 0));
        return { authenticated: false, reason: error.reason, message: error.message };
      }
      throw error;
    }
  }

  async function logout(request: FastifyRequest, reply: FastifyReply) {
    checkCsrf(request.headers);
    if (request.headers.origin === undefined)
      throw BffError.request(ErrorCode.FORBIDDEN, 'Sign out from this site.', { reason: 'csrf_origin_missing' });
    const id = sessionIdOf(request.headers);
    const session = id === undefined ? undefined : await store.get(id);
    if (id !== undefined) await store.delete(id);
    let endSessionUrl: string | undefined;
    if (session) {
      const config = await client();
      if (session.refreshToken) {
        // Best effort: the session is already gone here; the IdP forgets the refresh token too.
        await oidc
          .tokenRevocation(config, session.refreshToken, { token_type_hint: 'refresh_token' })
          .catch((error: unknown) => log.warn({ err: error }, 'refresh token revocation failed'));
      }
      if (config.serverMetadata().end_session_endpoint) {
        endSessionUrl = oidc.buildEndSessionUrl(config, {
          post_logout_redirect_uri: `${originOf()}/`,
          ...(session.idToken && { id_token_hint: session.idToken }),
        }).href;
      }
    }
    return reply
      .header('set-cookie', cookie(sessionCookie(), '', 'Strict', 0))
      .header('cache-control', 'no-store')
      .send({ signedOut: true, endSessionUrl });
  }

  return {
    register(app) {
      server = app;
      app.get('/auth/login', login);
      app.get('/auth/callback', callback);
      app.get('/auth/session', sessionInfo);
      app.post('/auth/logout', logout);
    },
    wrap(next) {
      return async (headers, ...rest) => {
        if (headers.authorization !== undefined || headers['x-api-key'] !== undefined) return next(headers, ...rest);
        const id = sessionIdOf(headers);
        if (id === undefined) return next(headers, ...rest);
        checkCsrf(headers);
        const session = await liveSession(id);
        const { cookie: _cookie, ...others } = headers;
        return next({ ...others, authorization: `Bearer ${session.accessToken}` }, ...rest);
      };
    },
  };
}

function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** @returns the cookies of a `Cookie` header (the first of a repeated name wins). */
function cookiesOf(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}
