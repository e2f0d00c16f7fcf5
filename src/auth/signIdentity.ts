import { createHmac } from 'node:crypto';
import type { Viewer } from './Viewer.js';

/** Signs one backend call: the `x-bff-identity-ts` and `x-bff-identity-sig` headers for it. */
export type CallSigner = (backend: string, call: string) => Record<string, string>;

/**
 * Identity propagation: the headers (REST, GraphQL) or metadata (gRPC) every backend call
 * carries, built from the verified viewer only (an anonymous viewer too: its client, no user),
 * so a client that sends `x-bff-user-id` itself gains nothing.
 *
 * @returns the unsigned part, the same for every call of the request; each call adds its
 * signature from `callSigner`.
 */
export function identityHeaders(viewer: Viewer, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-bff-client': viewer.client,
    'x-bff-scopes': [...viewer.scopes].join(' '),
  };
  if (viewer.userId !== undefined) headers['x-bff-user-id'] = viewer.userId;
  return headers;
}

/**
 * Backends trust only a signed identity, and only for the call it was signed for:
 *
 *   x-bff-identity-sig = base64url(HMAC-SHA256(secret,
 *       [client, userId ?? '', scopes, requestId, ts, backend, call].join('\n')))
 *
 * where `backend` is the backend's name and `call` is `METHOD /path?query` (REST, GraphQL) or
 * the gRPC method path, and `ts` is when the call is sent (each attempt is signed anew). A
 * captured signature is then good for that one call on that one backend, for the backends'
 * short window (docs/security.md, "Identity propagation").
 *
 * @returns a signer for the calls of one request, or undefined without a secret.
 */
export function callSigner(secret: string | undefined, identity: Readonly<Record<string, string>>): CallSigner | undefined {
  if (!secret) return undefined;
  const prefix = [identity['x-bff-client'], identity['x-bff-user-id'] ?? '', identity['x-bff-scopes'], identity['x-request-id']].join('\n');
  return (backend, call) => {
    const ts = String(Date.now());
    const sig = createHmac('sha256', secret).update(`${prefix}\n${ts}\n${backend}\n${call}`).digest('base64url');
    return { 'x-bff-identity-ts': ts, 'x-bff-identity-sig': sig };
  };
}
