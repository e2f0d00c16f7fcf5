import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { BffConfig } from '../config/loadConfig.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

export interface TokenVerifierOptions {
  auth: BffConfig['auth'];
  /** The clock, for tests. Default: the system clock. */
  now?: () => Date;
}

export interface VerifiedToken {
  userId: string;
  scopes: Set<string>;
  payload: JWTPayload;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** The one body every bad token gets: the reason goes to the log, never to the client. */
export const INVALID_TOKEN_MESSAGE = 'Invalid or expired access token.';

/**
 * Builds the process's token verifier with one key set, created once: a remote JWKS (cached,
 * refetched on an unknown `kid` at most once per cooldown) or a local JWKS file.
 *
 * @returns a function that resolves the verified identity of a bearer token.
 * @throws (from the returned function) BffError UNAUTHENTICATED (401) for any bad token, with
 * the jose error code as `reason` for the log; IDENTITY_PROVIDER_UNAVAILABLE (503) when the
 * key set cannot be fetched and no cached key fits.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { auth } = options;
  const keySet = auth.jwksFile
    ? createLocalJWKSet(JSON.parse(readFileSync(auth.jwksFile, 'utf8')))
    : auth.jwksUrl
      ? createRemoteJWKSet(new URL(auth.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 2_000 })
      : undefined;
  if (!keySet) throw new TypeError('createTokenVerifier: set JWKS_URL or JWKS_FILE');

  return async (token) => {
    if (token.length > auth.maxTokenBytes) throw unauthenticated('token_too_large');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: auth.algorithms,
        clockTolerance: auth.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        ...(options.now && { currentDate: options.now() }),
      }));
    } catch (error) {
      throw translateJoseError(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw unauthenticated('missing_sub');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return { userId: payload.sub, scopes: new Set(scope.split(' ').filter(Boolean)), payload };
  };
}

function unauthenticated(reason: string, cause?: unknown): BffError {
  return BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_TOKEN_MESSAGE, { reason, cause });
}

function translateJoseError(error: unknown): BffError {
  if (error instanceof joseErrors.JWKSTimeout) {
    return BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, 'The identity provider is unavailable.', { reason: error.code, cause: error });
  }
  if (error instanceof joseErrors.JOSEError) {
    // ERR_JWKS_NO_MATCHING_KEY after a refetch, ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, …
    return unauthenticated(error.code, error);
  }
  // Not a jose error: the key set could not be fetched at all (refused, DNS, bad JSON).
  return BffError.request(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, 'The identity provider is unavailable.', {
    reason: 'jwks_fetch_failed',
    cause: error,
  });
}
