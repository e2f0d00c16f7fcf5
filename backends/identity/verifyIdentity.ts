import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Identity propagation between the BFF and the backends.
 *
 * The BFF verifies the end user's token once, at the edge, and tells the backends who is
 * calling with plain headers (HTTP) or metadata (gRPC), all lower-case:
 *
 *   x-request-id        the request id ('' if absent)
 *   x-bff-client        the calling BFF client, e.g. "mobile" or "web"
 *   x-bff-user-id       the end user's id; absent when the viewer is anonymous
 *   x-bff-scopes        space-separated scopes; may be empty
 *   x-bff-identity-ts   milliseconds since the epoch, when the BFF signed
 *   x-bff-identity-sig  base64url(HMAC-SHA256(secret, payload)), no padding, where
 *                       payload = [client, userId ?? '', scopes, requestId, ts, backend, call].join('\n')
 *
 * `backend` is the service called (`users`, `catalog`, `orders`, `inventory`, `reviews`) and
 * `call` what is called on it: `METHOD /path?query` as sent (REST, the GraphQL backend), or
 * the gRPC method path (`/shop.orders.v1.OrdersService/ListOrders`). The signature is made
 * per call, when it is sent.
 *
 * The HMAC stops anything but the BFF from claiming to act for a user. Binding it to the
 * backend and the call means a captured header set opens nothing else: not another path,
 * method, query or backend. ts bounds the replay of that same call to MAX_IDENTITY_AGE_MS.
 * Every call must carry a valid identity (an anonymous one has a client and no user); only
 * health and docs endpoints are open. The BFF implements signing on its side (it must not
 * import from backends/); signIdentity here is the reference implementation the tests use.
 */
export const IDENTITY_HEADERS = ['x-bff-client', 'x-bff-user-id', 'x-bff-scopes', 'x-bff-identity-ts', 'x-bff-identity-sig'] as const;

/**
 * How old (or how far in the future, for clock skew) a signature may be. Calls are signed as
 * they are sent, so this only has to cover the network and the clocks' skew.
 */
export const MAX_IDENTITY_AGE_MS = 30_000;

export interface IdentityFields {
  client: string;
  userId: string | null;
  /** Space-separated, as sent on the wire. */
  scopes: string;
  requestId: string;
  ts: number;
  /** The service called. */
  backend: string;
  /** `METHOD /path?query` (HTTP), or the gRPC method path. */
  call: string;
}

/** What a backend knows about the call it received, to check what the signature was made for. */
export interface CallTarget {
  backend: string;
  call: string;
}

export interface VerifiedIdentity {
  client: string;
  userId: string | null;
  scopes: string[];
}

export type IdentityResult = { ok: true; identity: VerifiedIdentity } | { ok: false; reason: string };

/** Header bags from node:http (string | string[]) and from grpc Metadata.getMap() (string | Buffer). */
export type HeadersLike = Record<string, string | string[] | Buffer | undefined>;

/** Returns the base64url HMAC of the identity fields. Throws nothing. */
export function signIdentity(secret: string, fields: IdentityFields): string {
  const payload = [
    fields.client,
    fields.userId ?? '',
    fields.scopes,
    fields.requestId,
    String(fields.ts),
    fields.backend,
    fields.call,
  ].join('\n');
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Returns all the headers a signed call carries; the counterpart of verifyIdentity. */
export function identityHeaders(secret: string, fields: IdentityFields): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': fields.requestId,
    'x-bff-client': fields.client,
    'x-bff-scopes': fields.scopes,
    'x-bff-identity-ts': String(fields.ts),
    'x-bff-identity-sig': signIdentity(secret, fields),
  };
  if (fields.userId !== null) headers['x-bff-user-id'] = fields.userId;
  return headers;
}

function header(headers: HeadersLike, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value[0];
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * Verifies the propagated identity for the call `target`. Returns the identity when the
 * signature holds for this backend and call, and `{ok:false}` when the headers are absent,
 * or the signature is missing, wrong, made for another call, or stale.
 * Pure apart from HMAC; never throws.
 */
export function verifyIdentity(secret: string, headers: HeadersLike, nowMs: number, target: CallTarget): IdentityResult {
  if (!IDENTITY_HEADERS.some((h) => headers[h] !== undefined)) return { ok: false, reason: 'no identity' };
  const sig = header(headers, 'x-bff-identity-sig');
  const tsText = header(headers, 'x-bff-identity-ts');
  const client = header(headers, 'x-bff-client');
  if (!sig || !tsText || client === undefined) return { ok: false, reason: 'incomplete identity headers' };
  const ts = Number(tsText);
  if (!Number.isSafeInteger(ts) || String(ts) !== tsText || Math.abs(nowMs - ts) > MAX_IDENTITY_AGE_MS) {
    return { ok: false, reason: `identity timestamp missing or outside ${MAX_IDENTITY_AGE_MS / 1000} s` };
  }
  const userId = header(headers, 'x-bff-user-id') ?? null;
  const scopes = header(headers, 'x-bff-scopes') ?? '';
  const expected = Buffer.from(
    signIdentity(secret, {
      client,
      userId,
      scopes,
      requestId: header(headers, 'x-request-id') ?? '',
      ts,
      backend: target.backend,
      call: target.call,
    }),
  );
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad identity signature' };
  }
  return { ok: true, identity: { client, userId: userId || null, scopes: scopes ? scopes.split(' ').filter(Boolean) : [] } };
}
