import { randomUUID } from 'node:crypto';
import { anonymousViewer } from './Viewer.js';
import { callSigner, identityHeaders } from './signIdentity.js';

export interface IdentityProbeOptions {
  /** The users backend (REST), whose every endpoint verifies the propagated identity. */
  usersUrl: string;
  /** The client name the BFF signs as. */
  client: string;
  /** The BFF's IDENTITY_HMAC_SECRET. */
  secret: string;
  timeoutMs: number;
}

export interface IdentityProbeResult {
  /** `accepted`, `rejected` (the backend refused the signature), or `unknown` (no answer to judge). */
  verdict: 'accepted' | 'rejected' | 'unknown';
  detail: string;
}

/**
 * Does a backend accept this BFF's signed identity? One signed call, made exactly as every
 * backend call signs (identityHeaders, as an anonymous viewer of this client), to an endpoint
 * that checks the signature: `GET /users?ids=` of the users backend. When the BFF's and the
 * backends' IDENTITY_HMAC_SECRET differ, every backend call is refused and every field answers
 * FORBIDDEN or UNAUTHENTICATED while the process otherwise looks healthy; this names the cause.
 *
 * Never throws: an unreachable backend is `unknown` (the backends may start later), not a mismatch.
 */
export async function probeIdentity(options: IdentityProbeOptions): Promise<IdentityProbeResult> {
  const requestId = `identity-probe-${randomUUID()}`;
  const url = new URL('/users', options.usersUrl);
  url.searchParams.set('ids', 'u-00001');
  let res: Response;
  try {
    const identity = identityHeaders(anonymousViewer(options.client), requestId);
    // Signed for this call exactly as a data source signs it (backend `users`, `GET /path?query`).
    const signed = callSigner(options.secret, identity)?.('users', `GET ${url.pathname}${url.search}`);
    res = await fetch(url, {
      headers: { ...identity, ...signed },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await res.arrayBuffer();
  } catch (error) {
    return { verdict: 'unknown', detail: `users backend not reachable at ${options.usersUrl}: ${(error as Error).message}` };
  }
  if (res.ok) return { verdict: 'accepted', detail: 'the users backend accepts the signed identity' };
  if (res.status === 401 || res.status === 403) {
    return {
      verdict: 'rejected',
      detail:
        `the users backend refused the signed identity (HTTP ${res.status}): IDENTITY_HMAC_SECRET differs between ` +
        'this BFF and the backends; every backend call will be refused until they match (see .env.example)',
    };
  }
  return { verdict: 'unknown', detail: `the users backend answered the identity probe with HTTP ${res.status}` };
}
