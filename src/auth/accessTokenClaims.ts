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
