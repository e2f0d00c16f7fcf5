import type { IncomingHttpHeaders } from 'node:http';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { INVALID_TOKEN_MESSAGE, type TokenVerifier } from './createTokenVerifier.js';
import { anonymousViewer, type Viewer } from './Viewer.js';

export interface AuthenticatorOptions {
  /** The BFF's client name (`mobile`, `web`), given to token and anonymous viewers. */
  client: string;
  verifyToken: TokenVerifier;
}

export type Authenticator = (headers: IncomingHttpHeaders) => Promise<Viewer>;

/**
 * Resolves the viewer of a request at the edge, once: no credentials → anonymous;
 * `Authorization: Bearer <jwt>` → the token's user.
 *
 * @throws BffError UNAUTHENTICATED (401) for a malformed header or a bad token.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { client, verifyToken } = options;
  return async (headers) => {
    const authorization = headers.authorization;
    if (authorization === undefined || authorization === '') return anonymousViewer(client);
    const match = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/.exec(authorization);
    if (!match) throw BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_TOKEN_MESSAGE, { reason: 'malformed_authorization' });
    const token = await verifyToken(match[1]!);
    return { kind: 'user', userId: token.userId, scopes: token.scopes, client, plan: 'default' };
  };
}
