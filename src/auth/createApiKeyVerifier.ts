import { createHash, timingSafeEqual } from 'node:crypto';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { ApiKeyRecord } from './parseApiKeys.js';

export interface ApiKeyVerifierOptions {
  /** The BFF this process serves (`mobile`, `web`): keys not allowed for it get 403. */
  bff: string;
  keys: readonly ApiKeyRecord[];
}

export interface VerifiedApiKey {
  client: string;
  plan: string;
  scopes: Set<string>;
}

export type ApiKeyVerifier = (key: string) => VerifiedApiKey;

/** The one body every bad key gets, whatever the reason (which goes to the log). */
export const INVALID_API_KEY_MESSAGE = 'Invalid API key.';

/** Longer than any key we issue; refusing it early keeps hashing bounded. */
const MAX_KEY_LENGTH = 256;

/**
 * Builds the process's API-key check over the configured (hashed) keys.
 *
 * The presented key is hashed, then compared with every configured digest in constant time
 * and without stopping at a match, so neither the position of a key in the configuration
 * nor how much of a digest matches shows in the response time.
 *
 * @returns a function resolving a presented key to its client.
 * @throws (from the returned function) BffError UNAUTHENTICATED (401) for an unknown or
 * revoked key; FORBIDDEN (403) for a valid key not allowed on this BFF.
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const records = options.keys.map((record) => ({ record, digest: Buffer.from(record.sha256, 'hex') }));
  return (key) => {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw invalidKey('malformed_api_key');
    const digest = createHash('sha256').update(key).digest();
    let found: ApiKeyRecord | undefined;
    for (const { record, digest: stored } of records) {
      if (timingSafeEqual(digest, stored)) found = record;
    }
    if (!found) throw invalidKey('unknown_api_key');
    if (found.revoked) throw invalidKey('revoked_api_key', found.client);
    if (!found.bffs.includes(options.bff)) {
      throw BffError.request(ErrorCode.FORBIDDEN, 'This API key may not call this API.', {
        reason: 'api_key_not_allowed',
        extensions: { client: found.client },
      });
    }
    return { client: found.client, plan: found.plan, scopes: new Set(found.scopes) };
  };
}

/** `reason` and `client` are for the log: the edge answers with the code and message only. */
function invalidKey(reason: string, client?: string): BffError {
  return BffError.request(ErrorCode.UNAUTHENTICATED, INVALID_API_KEY_MESSAGE, {
    reason,
    ...(client !== undefined && { extensions: { client } }),
  });
}
