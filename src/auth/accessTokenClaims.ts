import type { JWTPayload } from 'jose';

/**
 * What an access token's claims say about its caller, the same for a verified JWT and for an
 * introspection answer (RFC 7662 uses the same claim names).
 */
export interface AccessTokenIdentity {
  /** `sub`: the user, or the client itself for a client-credentials token. */
  subject: string;
  /** `client_id`, when the token names the client it was issued to. */
  clientId: string | undefined;
  /**
   * True for a token a client got for itself (OAuth client credentials): RFC 9068 §2.2 has
   * such a token's `sub` be the client's own id, so `sub === client_id` marks it. The IdP
   * keeps user ids and client ids apart (a user cannot be called like a client).
   */
  machine: boolean;
  scopes: Set<string>;
}

/**
 * @returns the scopes granted by `scope` (a space-separated string, RFC 8693 / RFC 9068) or
 * `scp` (an array of strings, as Microsoft and Okta issue it; a string is read like `scope`).
 * Both present: the union. Anything else (numbers, objects) grants nothing.
 */
export function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    const list: unknown[] = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const scope of list) if (typeof scope === 'string' && scope.length > 0 && !scope.includes(' ')) scopes.add(scope);
  };
  add(payload.scope);
  add(payload.scp);
  return scopes;
}

/** @returns the caller a token's claims describe; `sub` must already be checked to be a non-empty string. */
export function identityOf(payload: JWTPayload & { sub: string }): AccessTokenIdentity {
  const clientId = typeof payload.client_id === 'string' && payload.client_id.length > 0 ? payload.client_id : undefined;
  return { subject: payload.sub, clientId, machine: clientId !== undefined && clientId === payload.sub, scopes: scopesOf(payload) };
}

/** A claim value that travels as a header to the backends: visible ASCII, no spaces, bounded. */
const HEADER_SAFE = /^[\x21-\x7e]{1,256}$/;
/** One scope token as RFC 6749 §3.3 defines it: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Claims become identity headers on every backend call (`x-bff-user-id`, `x-bff-scopes`): a
 * value unfit for a header would make every call of the request fail at the HTTP client, so such
 * a token is refused at the edge instead (401), the same for a JWT and an introspection answer.
 *
 * @returns the refusal reason (`unfit_claim:sub`, `unfit_claim:scope`), or undefined when every
 * propagated claim fits in a header.
 */
export function unfitClaim(identity: AccessTokenIdentity): string | undefined {
  if (!HEADER_SAFE.test(identity.subject)) return 'unfit_claim:sub';
  for (const scope of identity.scopes) if (!SCOPE_TOKEN.test(scope)) return 'unfit_claim:scope';
  return undefined;
}
