import { createHmac } from 'node:crypto';
import type { Viewer } from './Viewer.js';

/**
 * Identity propagation: the headers (REST, GraphQL) or metadata (gRPC) every backend call
 * carries. Backends trust only a signed identity:
 *
 *   x-bff-identity-sig = base64url(HMAC-SHA256(secret,
 *       [client, userId ?? '', scopes, requestId, ts].join('\n')))
 *
 * Incoming client headers never reach a backend: these are built from the verified viewer
 * only, so a client that sends `x-bff-user-id` itself gains nothing.
 */
export function identityHeaders(
  viewer: Viewer,
  requestId: string,
  secret: string | undefined,
  nowMs: number,
): Record<string, string> {
  const scopes = [...viewer.scopes].join(' ');
  const ts = String(nowMs);
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-bff-client': viewer.client,
    'x-bff-scopes': scopes,
    'x-bff-identity-ts': ts,
  };
  if (viewer.userId !== undefined) headers['x-bff-user-id'] = viewer.userId;
  if (secret) {
    headers['x-bff-identity-sig'] = createHmac('sha256', secret)
      .update([viewer.client, viewer.userId ?? '', scopes, requestId, ts].join('\n'))
      .digest('base64url');
  }
  return headers;
}
