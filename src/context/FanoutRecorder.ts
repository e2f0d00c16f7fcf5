import type { Protocol } from '../datasources/Protocol.js';

/** One backend call made for a request, as shown in `extensions.fanout`. */
export interface FanoutCall {
  readonly backend: string;
  readonly protocol: Protocol;
  readonly operation: string;
  readonly keys: number;
  readonly ms: number;
  /** The error code when the call failed. */
  readonly error?: string;
  /** Its detail (`http_503`, `circuit_open`, …) when the call failed. */
  readonly reason?: string | undefined;
  /** For a call the open circuit refused: the faults that opened it (`CODE/reason`), oldest first. */
  readonly lastFaults?: readonly string[];
  /** The variant of the backend's instance that served the call, when routing chose one (src/routing). */
  readonly variant?: string;
}

export interface FanoutReceipt {
  readonly calls: readonly FanoutCall[];
  readonly totals: {
    readonly calls: number;
    readonly keys: number;
    readonly ms: number;
    readonly byBackend: Readonly<Record<string, number>>;
  };
  /** The request's experiment assignments (experiment → variant), when routing is on. */
  readonly routing?: Readonly<Record<string, string>>;
}

/**
 * Records every backend call of one request. Always on (the access log and the metrics
 * want the count); only emitted to the client when asked for and not in production.
 */
export class FanoutRecorder {
  readonly calls: FanoutCall[] = [];
  /** The request's experiment assignments, shown in the receipt (set once by buildContext). */
  routing: Readonly<Record<string, string>> | undefined;

  record(call: FanoutCall): void {
    this.calls.push(call);
  }

  get count(): number {
    return this.calls.length;
  }

  /** The receipt: every call, plus totals (ms is the sum of call durations, not wall time). */
  receipt(): FanoutReceipt {
    const byBackend: Record<string, number> = {};
    let keys = 0;
    let ms = 0;
    for (const call of this.calls) {
      byBackend[call.backend] = (byBackend[call.backend] ?? 0) + 1;
      keys += call.keys;
      ms += call.ms;
    }
    const totals = { calls: this.calls.length, keys, ms: Math.round(ms * 100) / 100, byBackend };
    return this.routing ? { calls: this.calls, totals, routing: this.routing } : { calls: this.calls, totals };
  }
}
