import { readFileSync } from 'node:fs';
// jose's entry points for what is used, not its index (which loads JWE, key generation, …: ~0.3 MB of heap).
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import * as joseErrors from 'jose/errors';
import { createLocalJWKSet } from 'jose/jwks/local';
import { createRemoteJWKSet } from 'jose/jwks/remote';
import { jwtVerify } from 'jose/jwt/verify';
import { LRUCache } from 'lru-cache';
import type { BffConfig } from '../config/loadConfig.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { identityOf, unfitClaim } from './accessTokenClaims.js';

export interface TokenVerifierOptions {
  auth: BffConfig['auth'];
  /** The clock, for tests: `exp`, `nbf` and `iat` are checked against it. Default: the system clock. */
  now?: () => Date;
}

export interface VerifiedToken {
  userId: string;
  scopes: Set<string>;
  payload: JWTPayload;
  /** The token's `client_id`, when it names one. */
  clientId?: string | undefined;
  /** A client-credentials token (`sub` is the client itself, no user): see accessTokenClaims. */
  machine?: boolean;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** A verifier with a cache of verified tokens (`auth.verifiedTokens`): how often it answered from it. */
export interface CachingTokenVerifier extends TokenVerifier {
  readonly cacheHits: number;
}

/** The one body every bad token gets: the reason goes to the log, never to the client. */
export const INVALID_TOKEN_MESSAGE = 'Invalid or expired access token.';

const IDP_UNAVAILABLE_MESSAGE = 'The identity provider is unavailable.';

/** A compact JWS: three base64url parts, the signature possibly empty (alg `none`, refused later). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Builds the process's token verifier with one key set, created once: a remote JWKS (cached,
 * refetched on an unknown `kid` at most once per cooldown, so a flood of forged `kid`s costs
 * the IdP one request per cooldown) or a local JWKS file for development.
 *
 * What a token must have: a `kid`-matched key of an allowed algorithm (never `none`, never
 * HMAC: the allowlist holds asymmetric algorithms only, which also defeats "HS256 signed with
 * the public key"), the configured `iss` and `aud`, `exp` and `sub`; `nbf` and `iat` are
 * honoured when present. Every time check allows `clockToleranceSeconds` of skew.
 *
 * When the JWKS cannot be fetched (refused, timeout, non-200, not a key set), keys already
 * cached still verify tokens they sign; only a token no cached key fits gets 503.
 *
 * @returns a function that resolves the verified identity of a bearer token.
 * @throws TypeError when neither a JWKS URL nor a file is configured, or the file is not a JWK Set.
 * @throws (from the returned function) BffError UNAUTHENTICATED (401) for any bad token, with
 * the jose error code as `reason` for the log; IDENTITY_PROVIDER_UNAVAILABLE (503) when the
 * key set cannot be fetched and no cached key fits.
 */
export function createTokenVerifier(options: TokenVerifierOptions): CachingTokenVerifier {
  const { auth } = options;
  const keySet = createKeySet(auth);
  const clock = (): number => (options.now?.() ?? new Date()).getTime();
  // Verified tokens by their exact text, as Envoy's jwt_authn `jwt_cache_config` keeps them: an
  // app sends the same token on every request until it expires, and an ES256 signature check is
  // most of what authentication costs. Kept until the token's `exp` and at most `maxAgeMs`; only
  // successes are cached, so a bad token is checked (and refused) every time.
  const cacheSettings = auth.verifiedTokens;
  const cache =
    cacheSettings && cacheSettings.maxEntries > 0
      ? new LRUCache<string, { verified: VerifiedToken; untilMs: number }>({ max: cacheSettings.maxEntries })
      : undefined;
  let cacheHits = 0;
  const verifyToken = async (token: string): Promise<VerifiedToken> => {
    if (Buffer.byteLength(token) > auth.maxTokenBytes) throw unauthenticated('token_too_large');
    if (!COMPACT_JWS.test(token)) throw unauthenticated('malformed_token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: auth.algorithms,
        clockTolerance: auth.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        // RFC 9068 §4: a resource server may insist on `typ: at+jwt`, so an ID token (or any
        // other JWT the IdP signs for the same audience) is never taken for an access token.
        ...(auth.requireAtJwt && { typ: 'at+jwt' }),
        ...(options.now && { currentDate: options.now() }),
      }));
    } catch (error) {
      throw translateError(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw unauthenticated('missing_sub');
    // jose checks `iat` only against a maxTokenAge; a token issued in the future is refused here.
    const nowS = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
    if (payload.iat !== undefined && payload.iat > nowS + auth.clockToleranceSeconds) throw unauthenticated('iat_in_future');
    // A `scope` that is not a string is not a scope list: refused rather than read as none.
    if (payload.scope !== undefined && typeof payload.scope !== 'string') throw unauthenticated('unfit_claim:scope');
    const identity = identityOf(payload as JWTPayload & { sub: string });
    // Claims that are propagated to the backends as headers must fit in one.
    const unfit = unfitClaim(identity);
    if (unfit) throw unauthenticated(unfit);
    return { userId: payload.sub, scopes: identity.scopes, payload, clientId: identity.clientId, machine: identity.machine };
  };
  const verify = async (token: string): Promise<VerifiedToken> => {
    const hit = cache?.get(token);
    if (hit) {
      if (clock() < hit.untilMs) {
        cacheHits++;
        return hit.verified;
      }
      cache!.delete(token);
    }
    const verified = await verifyToken(token);
    if (cache) {
      const untilMs = Math.min((verified.payload.exp as number) * 1000, clock() + cacheSettings!.maxAgeMs);
      if (untilMs > clock()) cache.set(token, { verified, untilMs });
    }
    return verified;
  };
  return Object.defineProperty(verify, 'cacheHits', { get: () => cacheHits }) as CachingTokenVerifier;
}

function createKeySet(auth: BffConfig['auth']): JWTVerifyGetKey {
  if (auth.jwksFile) {
    const file = auth.jwksFile;
    let jwks: unknown;
    try {
      jwks = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new TypeError(`createTokenVerifier: JWKS_FILE ${file} cannot be read as JSON (${(error as Error).message})`);
    }
    if (!Array.isArray((jwks as { keys?: unknown }).keys)) throw new TypeError(`createTokenVerifier: JWKS_FILE ${file} is not a JWK Set`);
    return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  }
  if (!auth.jwksUrl) throw new TypeError('createTokenVerifier: set JWKS_URL or JWKS_FILE');

  const remote = createRemoteJWKSet(new URL(auth.jwksUrl), {
    cooldownDuration: auth.jwks.cooldownMs,
    cacheMaxAge: auth.jwks.cacheMaxAgeMs,
    timeoutDuration: auth.jwks.timeoutMs,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!isKeySetFetchFailure(error)) throw error;
      // Stale-if-error: a key that was good a minute ago still is; an unknown kid is not
      // decidable while the IdP is down, so it is a 503 (retry later), not a 401.
      const cached = remote.jwks();
      if (cached) {
        try {
          return await createLocalJWKSet(cached)(header, token);
        } catch {
          // No cached key fits: fall through to the IdP's unavailability.
        }
      }
      throw BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, IDP_UNAVAILABLE_MESSAGE, {
        reason: 'jwks_unavailable',
        cause: error,
      });
    }
  };
}

/**
 * Errors the remote key set throws that are about the token, not the fetch: everything else
 * it throws (a refused connection, a timeout, a non-200, a body that is not a key set) means
 * the key set could not be loaded.
 */
function isKeySetFetchFailure(error: unknown): boolean {
  return !(
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSENotSupported
  );
}

function unauthenticated(reason: string, cause?: unknown): BffError {
  return BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_TOKEN_MESSAGE, { reason, cause });
}

function translateError(error: unknown): BffError {
  if (error instanceof BffError) return error;
  // ERR_JWKS_NO_MATCHING_KEY, ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED (iss, aud, nbf),
  // ERR_JOSE_ALG_NOT_ALLOWED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, …
  if (error instanceof joseErrors.JOSEError) {
    const claim = error instanceof joseErrors.JWTClaimValidationFailed ? `:${error.claim}` : '';
    return unauthenticated(`${error.code}${claim}`, error);
  }
  return unauthenticated('token_unreadable', error);
}
