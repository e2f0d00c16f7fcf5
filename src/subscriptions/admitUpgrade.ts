import { ErrorCode } from '../errors/codes.js';

/** Why a new subscription connection is refused before its handshake (HTTP 503 and a JSON error body). */
export interface UpgradeRefusal {
  status: 503;
  code: ErrorCode;
  message: string;
  retryAfterSeconds: number;
  /** For `bff_subscription_drops_total{reason}`. */
  reason: string;
}

/**
 * Asked once per WebSocket upgrade and per SSE stream, before the handshake (and before the
 * per-process connection cap): @returns the refusal, or undefined to admit the connection.
 */
export type AdmitUpgrade = () => UpgradeRefusal | undefined;

/** What admission needs of a load shedder: its current verdict for one more unit of work. */
export interface ShedDecision {
  /** Why the next request would be shed now, or undefined when it would be served. */
  shedReason(): string | undefined;
}

/**
 * Admits subscription connections through the process's load shedder (src/http/shedLoad.ts): when it would shed a GraphQL request, a new WebSocket or SSE
 * connection is refused too, with the same 503 OVERLOADED and `retry-after`. Connections
 * already open are not touched (their cost is per event, bounded by the per-connection limits).
 * New connections are refused while admission is under pressure, like sheddable requests.
 */
export function admitUpgradeThrough(shedder: ShedDecision, retryAfterSeconds = 1): AdmitUpgrade {
  return () => {
    const reason = shedder.shedReason();
    if (reason === undefined) return undefined;
    return {
      status: 503,
      code: ErrorCode.OVERLOADED,
      message: 'The server is overloaded; retry shortly.',
      retryAfterSeconds,
      reason: `shed_${reason}`,
    };
  };
}
