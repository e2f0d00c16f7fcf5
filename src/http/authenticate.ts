import type { preHandlerAsyncHookHandler } from 'fastify';
import { createApiKeyVerifier } from '../auth/createApiKeyVerifier.js';
import { createAuthenticator, type Authenticator } from '../auth/createAuthenticator.js';
import { createIntrospectingVerifier } from '../auth/createIntrospectingVerifier.js';
import { createTokenVerifier } from '../auth/createTokenVerifier.js';
import { createTokenHandler, type TokenHandler } from '../auth/tokenHandler/createTokenHandler.js';
import type { BffConfig } from '../config/loadConfig.js';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { Logger } from '../observability/createLogger.js';
import type { RedisClient } from '../redis/createRedisClient.js';

/**
 * The stage that knows who is calling: verifies the request's credentials once (bearer token,
 * API key or session cookie, as `verify` was built) and keeps the viewer on the request's
 * state. No credentials: the anonymous viewer. Bad ones: `verify` throws, and replyError
 * answers 401 (or 503 when the identity provider is down) with the same body whatever the
 * reason; the reason is logged for the operator.
 *
 * @returns a `preHandler` hook for the GraphQL route.
 */
export function authenticate(verify: Authenticator, log: Logger): preHandlerAsyncHookHandler {
  return async (request) => {
    try {
      request.state.viewer = await verify(request.headers);
    } catch (error) {
      const refused = asBffError(error);
      if (refused) {
        const level = refused.code === ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE ? 'warn' : 'info';
        log[level](
          { requestId: request.id, code: refused.code, reason: refused.reason, err: refused.originalError },
          'authentication refused',
        );
      }
      throw error;
    }
  };
}

export interface CallerVerifierOptions {
  config: BffConfig;
  redis: RedisClient | undefined;
  log: Logger;
  /** Default: bearer JWTs verified against the configured key set, and API keys. */
  authenticate?: Authenticator;
  /** Be the browser's OAuth token handler (src/auth/tokenHandler) too. */
  tokenHandler?: boolean;
}

/**
 * The one way a BFF verifies its callers: bearer JWTs (introspected when configured) and API
 * keys, and, when asked for and configured, the token handler's session cookie before them.
 *
 * @returns the verifier `authenticate` runs, and the token handler when it is on (its routes
 * are the server's to register).
 * @throws TypeError when the token handler is on in production without BFF_PUBLIC_ORIGIN.
 */
export function createCallerVerifier(options: CallerVerifierOptions): { verify: Authenticator; tokenHandler: TokenHandler | undefined } {
  const { config, redis, log } = options;
  // In production the token handler runs once it has a client secret (a deployment without browser
  // sign-in sets none), and then needs the public origin its cookie and redirect URI are for.
  const wantsTokenHandler = options.tokenHandler === true && config.tokenHandler.clientSecret !== '';
  if (options.tokenHandler && !wantsTokenHandler) log.warn('token handler off: OIDC_CLIENT_SECRET is not set');
  if (wantsTokenHandler && config.production && !config.tokenHandler.publicOrigin) {
    throw new TypeError('createServer: the token handler needs BFF_PUBLIC_ORIGIN (https) in production');
  }
  const tokenHandler = wantsTokenHandler
    ? createTokenHandler({ settings: config.tokenHandler, redis, keyPrefix: `bff-${config.name}`, log })
    : undefined;
  const bearer =
    options.authenticate ??
    createAuthenticator({
      client: config.name,
      verifyToken: config.auth.introspection
        ? createIntrospectingVerifier(createTokenVerifier({ auth: config.auth }), {
            ...config.auth.introspection,
            audience: config.auth.audience,
            issuer: config.auth.issuer,
            maxTokenBytes: config.auth.maxTokenBytes,
          })
        : createTokenVerifier({ auth: config.auth }),
      verifyApiKey: createApiKeyVerifier({ bff: config.name, keys: config.auth.apiKeys }),
    });
  return { verify: tokenHandler ? tokenHandler.wrap(bearer) : bearer, tokenHandler };
}
