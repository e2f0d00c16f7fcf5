import type { IncomingHttpHeaders } from 'node:http';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { INVALID_API_KEY_MESSAGE, type ApiKeyVerifier } from './createApiKeyVerifier.js';
import { INVALID_TOKEN_MESSAGE, type TokenVerifier, type VerifiedToken } from './createTokenVerifier.js';
import { anonymousViewer, type Viewer } from './Viewer.js';

export interface AuthenticatorOptions {
  /** The BFF's client name (`mobile`, `web`), given to token and anonymous viewers. */
  client: string;
  verifyToken: TokenVerifier;
  /** Checks `x-api-key`; without it, any `x-api-key` header is refused (401). */
  verifyApiKey?: ApiKeyVerifier;
}

export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Viewer>;

export const API_KEY_HEADER = 'x-api-key';

/**
 * Resolves the viewer of a request at the edge, once:
 *
 * - no credentials → anonymous;
 * - `Authorization: Bearer <jwt>` → the token's user;
 * - `x-api-key: <key>` → the key's client (kind `apiKey`, its plan and scopes, no user);
 * - both → the token's user, calling through the key's client: identity and scopes come
 *   from the token only (a key never adds permissions to a user), the client name and plan
 *   from the key. Both must be valid; either one failing fails the request.
 *
 * @throws BffError UNAUTHENTICATED (401) for a malformed header, a bad token or a bad or
 * revoked key; FORBIDDEN (403) for a key not allowed on this BFF; IDENTITY_PROVIDER_UNAVAILABLE
 * (503) when a token cannot be checked. The `reason` extension is for the log only.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { client, verifyToken, verifyApiKey } = options;
  return async (headers) => {
    const authorization = headers.authorization;
    const apiKey = headers[API_KEY_HEADER];
    if (Array.isArray(apiKey)) throw BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_API_KEY_MESSAGE, { reason: 'repeated_api_key' });

    let keyClient: { client: string; plan: string; scopes: Set<string> } | undefined;
    if (apiKey !== undefined) {
      if (!verifyApiKey) throw BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_API_KEY_MESSAGE, { reason: 'api_keys_not_configured' });
      keyClient = verifyApiKey(apiKey);
    }

    if (authorization === undefined || authorization === '') {
      if (keyClient) return { kind: 'apiKey', userId: undefined, scopes: keyClient.scopes, client: keyClient.client, plan: keyClient.plan };
      return anonymousViewer(client);
    }
    // The scheme is case-insensitive (RFC 7235 §2.1): `bearer` and `BEARER` are Bearer.
    const match = /^Bearer +([A-Za-z0-9\-_.]+)$/i.exec(authorization);
    if (!match) throw BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_TOKEN_MESSAGE, { reason: 'malformed_authorization' });
    const token = await verifyToken(match[1]!);
    // A machine client's own token: its scopes, no user (see machineViewer).
    if (token.machine) return machineViewer(token, keyClient);
    return {
      kind: 'user',
      userId: token.userId,
      scopes: token.scopes,
      client: keyClient?.client ?? client,
      plan: keyClient?.plan ?? 'default',
      ...(token.payload !== undefined && { claims: token.payload }),
    };
  };
}

/**
 * The viewer of a client-credentials token: kind `client`, the token's scopes and no user. The
 * client name is the token's `client_id` unless an API key names the caller; the plan is the
 * key's, else `partner` (machine clients are partners; RATE_LIMIT_PLANS sets its limit).
 */
function machineViewer(token: VerifiedToken, keyClient: { client: string; plan: string } | undefined): Viewer {
  return {
    kind: 'client',
    userId: undefined,
    scopes: token.scopes,
    client: keyClient?.client ?? token.clientId ?? token.userId,
    plan: keyClient?.plan ?? 'partner',
  };
}
