import { createHash } from 'node:crypto';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { identityOf, unfitClaim } from './accessTokenClaims.js';
import { INVALID_TOKEN_MESSAGE, type TokenVerifier, type VerifiedToken } from './createTokenVerifier.js';

export interface IntrospectionOptions {
  /** The IdP's RFC 7662 endpoint. */
  url: string;
  /** The BFF's own client credentials at the IdP (client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** `aud` an active token must name (when it names any); the JWT audience. */
  audience: string;
  /** `iss` an active token must name (when it names one); the JWT issuer. */
  issuer: string;
  /**
   * The longest an answer is reused, in seconds. A revoked token keeps working on this BFF for
   * at most this long (and never past its own `exp`): the price of not asking the IdP per request.
   */
  cacheMaxSeconds: number;
  timeoutMs: number;
  maxTokenBytes: number;
  /** Answers kept at most; the oldest go first. Default 10 000. */
  maxEntries?: number;
  /** Milliseconds since the epoch, for tests. */
  now?: () => number;
}

/** A compact JWS: what the JWT verifier takes. Anything else is an opaque handle. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 6750's b64token: the characters a bearer token may have. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

interface CacheEntry {
  expiresAt: number;
  /** The verified token, or why an inactive or unusable token is refused. */
  result: VerifiedToken | { refused: string };
}

/**
 * Adds opaque access tokens to a JWT verifier: a token shaped like a JWT goes to `verifyJwt`,
 * any other bearer token is checked by RFC 7662 introspection at the IdP (POST, form-encoded,
 * the BFF authenticating as a client).
 *
 * Answers, active or not, are cached by the token's SHA-256 for at most `cacheMaxSeconds` and
 * never past the token's `exp`; concurrent requests with one token share one introspection.
 * The caller's identity is read from the answer exactly like from a JWT's claims (`sub`,
 * `scope` or `scp`, `client_id`), so the rest of the BFF cannot tell the two apart.
 *
 * @returns a verifier for either kind of token.
 * @throws (from the returned function) BffError UNAUTHENTICATED (401) with the same message as
 * a bad JWT for an inactive, expired, foreign (`iss`/`aud`) or subject-less token;
 * IDENTITY_PROVIDER_UNAVAILABLE (503) when the IdP cannot answer (refused, timeout, non-200,
 * not JSON). The `reason` is for the log.
 */
export function createIntrospectingVerifier(verifyJwt: TokenVerifier, options: IntrospectionOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<CacheEntry>>();
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;

  async function introspect(token: string): Promise<CacheEntry> {
    let response: Response;
    let body: Record<string, unknown>;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: basic },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw unavailable('introspection_unreachable', error);
    }
    if (response.status !== 200 || typeof body !== 'object' || body === null || typeof body.active !== 'boolean') {
      throw unavailable(`introspection_status_${response.status}`);
    }
    const t = now();
    const ceiling = t + options.cacheMaxSeconds * 1000;
    if (!body.active) return { expiresAt: ceiling, result: refused('token_inactive') };
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : undefined;
    const expiresAt = Math.min(ceiling, exp ?? ceiling);
    if (exp !== undefined && exp <= t) return { expiresAt: ceiling, result: refused('token_expired') };
    if (typeof body.sub !== 'string' || body.sub.length === 0) return { expiresAt, result: refused('missing_sub') };
    if (body.iss !== undefined && body.iss !== options.issuer) return { expiresAt, result: refused('introspection_iss') };
    const aud = body.aud;
    if (aud !== undefined && !(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) {
      return { expiresAt, result: refused('introspection_aud') };
    }
    const identity = identityOf(body as { sub: string });
    const unfit = unfitClaim(identity);
    if (unfit) return { expiresAt, result: refused(unfit) };
    return {
      expiresAt,
      result: { userId: body.sub, scopes: identity.scopes, payload: body, clientId: identity.clientId, machine: identity.machine },
    };
  }

  function remember(key: string, entry: CacheEntry): void {
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }

  return async (token) => {
    if (COMPACT_JWS.test(token)) return verifyJwt(token);
    if (Buffer.byteLength(token) > options.maxTokenBytes) throw unauthenticated('token_too_large');
    if (!B64TOKEN.test(token)) throw unauthenticated('malformed_token');
    const key = createHash('sha256').update(token).digest('base64url');
    let entry = cache.get(key);
    if (!entry || entry.expiresAt <= now()) {
      let pending = inFlight.get(key);
      if (!pending) {
        pending = introspect(token).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      entry = await pending;
      remember(key, entry);
    }
    // The expiry is checked on use too: a cached answer never outlives the token.
    const { result } = entry;
    if ('refused' in result) throw unauthenticated(result.refused);
    const exp = typeof result.payload.exp === 'number' ? result.payload.exp * 1000 : undefined;
    if (exp !== undefined && exp <= now()) throw unauthenticated('token_expired');
    return result;
  };
}

function refused(reason: string): { refused: string } {
  return { refused: reason };
}

function unauthenticated(reason: string): BffError {
  return BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_TOKEN_MESSAGE, { reason });
}

function unavailable(reason: string, cause?: unknown): BffError {
  return BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, 'The identity provider is unavailable.', { reason, cause });
}
