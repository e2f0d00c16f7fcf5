import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { createOAuthEndpoints, type DemoUser, type OAuthClient, type OAuthEndpoints } from './createOAuthEndpoints.js';
import { HttpError, readJsonBody, restErrorBody, sendJson } from '../common/serveMonitored.js';

export const DEFAULT_SCOPE = 'orders:read:self profile:write orders:write';
export const STAFF_SCOPE = 'orders:read:all customers:read';

/**
 * The demo's registered OAuth clients. The secrets are development values, like the dev
 * identity secret: a deployment registers its own clients at its own IdP.
 */
export const DEMO_CLIENTS: readonly OAuthClient[] = [
  // bff-web, the dashboard's token handler: a confidential client running the code flow.
  {
    id: 'bff-web',
    secret: 'bff-web-dev-secret',
    grants: ['authorization_code', 'refresh_token'],
    // The callback, and `/` where the IdP's logout sends the browser back.
    redirectUris: [
      'http://127.0.0.1:4002/auth/callback',
      'http://127.0.0.1:4002/',
      'http://localhost:4002/auth/callback',
      'http://localhost:4002/',
    ],
    scope: `openid offline_access ${DEFAULT_SCOPE} ${STAFF_SCOPE}`,
  },
  // The BFFs as resource servers: they introspect opaque tokens.
  { id: 'shop-bff', secret: 'shop-bff-dev-secret', grants: [], scope: '', mayIntrospect: true },
  // Partners' machine clients: client credentials, one with JWTs, one with opaque tokens.
  { id: 'acme-reports', secret: 'acme-reports-dev-secret', grants: ['client_credentials'], scope: STAFF_SCOPE },
  { id: 'acme-opaque', secret: 'acme-opaque-dev-secret', grants: ['client_credentials'], scope: STAFF_SCOPE, opaqueTokens: true },
];

/** Who the login page offers: a staff member and a customer of the seed data. */
export const DEMO_USERS: readonly DemoUser[] = [
  { sub: 'u-00001', name: 'Staff member', scope: `${DEFAULT_SCOPE} ${STAFF_SCOPE}` },
  { sub: 'u-00007', name: 'Customer', scope: DEFAULT_SCOPE },
];
export const DEFAULT_KEY_FILE = fileURLToPath(new URL('../../.dev-keys/idp-key.json', import.meta.url));
const MAX_TTL_SECONDS = 86_400;

export interface IdpOptions {
  /** `iss` of every token; default https://idp.demo.shop. */
  issuer?: string;
  /** Default `aud` when the token request names none; default shop-bff. */
  audience?: string;
  /** Keep keys in memory only (tests); default false, which persists them in keyFile. */
  ephemeralKeys?: boolean;
  /** Where the private keys live as a JWK Set (current first); default <repo>/.dev-keys/idp-key.json. */
  keyFile?: string;
  /** Registered OAuth clients; default DEMO_CLIENTS. */
  clients?: readonly OAuthClient[];
  /** The login page's users; default DEMO_USERS. */
  users?: readonly DemoUser[];
  /** Lifetime of access tokens from the OAuth endpoints (code flow, refresh, client credentials); default 300. */
  accessTokenTtlSeconds?: number;
}

export interface TokenRequest {
  sub: string;
  /** Space-separated; default DEFAULT_SCOPE. */
  scope?: string;
  /** 1..86400; default 3600. */
  ttlSeconds?: number;
  aud?: string;
  /** `opaque`: a random handle only introspection can read; default `jwt`. */
  format?: 'jwt' | 'opaque';
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface Idp {
  issueToken(request: TokenRequest): Promise<TokenResponse>;
  /** Makes a new key current and keeps the previous one published. Returns the new kid. */
  rotate(): Promise<string>;
  /** The public JWK Set: current key first, then the previous one after a rotation. */
  jwks(): { keys: JWK[] };
  /** The OAuth / OIDC endpoints (authorize, token, introspect, revoke, logout, discovery). */
  oauth: OAuthEndpoints;
  /** Serves GET /.well-known/jwks.json, POST /token, POST /rotate, GET /healthz and the OAuth endpoints. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  key: CryptoKey | Uint8Array;
}

async function toSigningKey(privateJwk: JWK): Promise<SigningKey> {
  const { d: _d, ...publicPart } = privateJwk;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicPart));
  return {
    kid,
    privateJwk: { ...privateJwk, kid },
    publicJwk: { ...publicPart, kid, alg: 'ES256', use: 'sig' },
    key: await importJWK({ ...privateJwk, kid }, 'ES256'),
  };
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  // The thumbprint as kid: stable for the key, unique across rotations.
  return toSigningKey({ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' });
}

/** Returns the keys saved in keyFile, or null when there is no file yet. Throws on a corrupt file. */
async function loadKeys(keyFile: string): Promise<SigningKey[] | null> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as { keys?: JWK[] };
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) throw new Error(`${keyFile}: expected a JWK Set with at least one key`);
  return Promise.all(parsed.keys.slice(0, 2).map(toSigningKey));
}

async function saveKeys(keyFile: string, keys: SigningKey[]): Promise<void> {
  await mkdir(dirname(keyFile), { recursive: true });
  const tmp = `${keyFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ keys: keys.map((k) => k.privateJwk) }, null, 2), { mode: 0o600 });
  await rename(tmp, keyFile);
}

/**
 * Returns the demo identity provider. Loads (or creates and saves) its ES256 key unless
 * ephemeralKeys is set. Throws when the key file exists but cannot be read or parsed.
 */
export async function createIdp(options: IdpOptions = {}): Promise<Idp> {
  const issuer = options.issuer ?? 'https://idp.demo.shop';
  const audience = options.audience ?? 'shop-bff';
  const keyFile = options.keyFile ?? DEFAULT_KEY_FILE;
  let keys: SigningKey[] = (options.ephemeralKeys ? null : await loadKeys(keyFile)) ?? [await newSigningKey()];
  if (!options.ephemeralKeys) await saveKeys(keyFile, keys);
  let jwksJson = '';
  const publish = () => {
    jwksJson = JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
  };
  publish();

  async function sign(payload: JWTPayload, typ: string, ttl: number): Promise<string> {
    const current = keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(current.key);
  }

  async function verifyOwn(token: string): Promise<JWTPayload | null> {
    try {
      return (await jwtVerify(token, createLocalJWKSet(JSON.parse(jwksJson) as { keys: JWK[] }), { issuer })).payload;
    } catch {
      return null;
    }
  }

  const oauth = createOAuthEndpoints({
    issuer,
    audience,
    sign,
    verifyOwn,
    clients: options.clients ?? DEMO_CLIENTS,
    users: options.users ?? DEMO_USERS,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
  });

  async function issueToken(request: TokenRequest): Promise<TokenResponse> {
    const ttl = request.ttlSeconds ?? 3600;
    if (request.format === 'opaque') {
      const token = oauth.issueOpaque({
        sub: request.sub,
        scope: request.scope ?? DEFAULT_SCOPE,
        aud: request.aud ?? audience,
        ttlSeconds: ttl,
      });
      return { access_token: token, token_type: 'Bearer', expires_in: ttl };
    }
    const current = keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: request.scope ?? DEFAULT_SCOPE })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(request.aud ?? audience)
      .setSubject(request.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(current.key);
    return { access_token: token, token_type: 'Bearer', expires_in: ttl };
  }

  async function rotate(): Promise<string> {
    keys = [await newSigningKey(), keys[0]!];
    if (!options.ephemeralKeys) await saveKeys(keyFile, keys);
    publish();
    return keys[0]!.kid;
  }

  /** Returns the checked token request. Throws HttpError 400 naming the bad field. */
  function parseTokenRequest(body: unknown): TokenRequest {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const bad = (field: string, why: string) => new HttpError(400, 'BAD_REQUEST', `${field} ${why}`, field);
    if (typeof b.sub !== 'string' || b.sub.length === 0 || b.sub.length > 200) throw bad('sub', 'must be a non-empty string');
    if (b.scope !== undefined && typeof b.scope !== 'string') throw bad('scope', 'must be a space-separated string');
    if (
      b.ttlSeconds !== undefined &&
      (typeof b.ttlSeconds !== 'number' || !Number.isInteger(b.ttlSeconds) || b.ttlSeconds < 1 || b.ttlSeconds > MAX_TTL_SECONDS)
    ) {
      throw bad('ttlSeconds', `must be an integer 1..${MAX_TTL_SECONDS}`);
    }
    if (b.aud !== undefined && (typeof b.aud !== 'string' || b.aud.length === 0)) throw bad('aud', 'must be a non-empty string');
    if (b.format !== undefined && b.format !== 'jwt' && b.format !== 'opaque') throw bad('format', 'must be jwt or opaque');
    return {
      sub: b.sub,
      scope: b.scope as string | undefined,
      ttlSeconds: b.ttlSeconds as number | undefined,
      aud: b.aud as string | undefined,
      format: b.format as TokenRequest['format'],
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/.well-known/jwks.json') {
      return sendJson(res, 200, jwksJson, { 'cache-control': 'public, max-age=300' });
    }
    if (req.method === 'POST' && path === '/token') {
      return sendJson(res, 200, JSON.stringify(await issueToken(parseTokenRequest(await readJsonBody(req)))), {
        'cache-control': 'no-store',
      });
    }
    if (req.method === 'POST' && path === '/rotate') return sendJson(res, 200, JSON.stringify({ kid: await rotate() }));
    if (path === '/healthz') return sendJson(res, 200, '{"status":"ok"}');
    if (path !== undefined && (await oauth.handle(req, res, path))) return;
    throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${path}`);
  }

  return {
    issueToken,
    rotate,
    oauth,
    jwks: () => JSON.parse(jwksJson) as { keys: JWK[] },
    handleRequest(req, res) {
      route(req, res).catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'internal error');
        if (!(err instanceof HttpError)) process.stderr.write(`[backends] idp failed: ${String((err as Error)?.stack ?? err)}\n`);
        if (!res.headersSent) sendJson(res, e.status, restErrorBody(e.code, e.message, e.field));
      });
    },
  };
}
