import { status as GrpcStatus } from '@grpc/grpc-js';
import type { VerifiedIdentity } from '../identity/verifyIdentity.js';

import { BACKEND_NAMES, type BackendName } from '../../src/config/backends.js';

/**
 * The monitored demo services: one per backend the BFFs declare (src/config/backends.ts), and
 * `catalogV2`, the second catalog instance (v2 ranking) that routing canaries send a share of users to.
 */
export const SERVICE_NAMES: readonly ServiceName[] = [...BACKEND_NAMES, 'catalogV2'];
export type ServiceName = BackendName | 'catalogV2';
/** A second instance answers as the backend it is an instance of: the BFF signs its calls for `catalog`. */
const INSTANCE_OF: Partial<Record<ServiceName, string>> = { catalogV2: 'catalog' };

/** Faults of one service, as accepted by POST /faults and BACKEND_FAULTS. */
export interface FaultSpec {
  latencyMs?: number;
  /** 0..1; deterministic: 0.5 fails every 2nd call, 1 fails every call. */
  errorRate?: number;
  /** 0..1; deterministic like errorRate; a call picked for an error is not also garbage. */
  garbageRate?: number;
  /** Status of an injected REST/GraphQL error; default 500. */
  httpStatus?: number;
  /** gRPC status name of an injected gRPC error; default "UNAVAILABLE". */
  grpcCode?: string;
}

export interface ServiceStats {
  calls: number;
  byOperation: Record<string, number>;
  /** Ids asked for in batch calls. */
  keys: number;
  last: { requestId: string | null; traceparent: string | null; identity: VerifiedIdentity | null } | null;
  /** Server streams open now (e.g. WatchOrderStatus), by operation; a gauge that reset() keeps. */
  openStreams: Record<string, number>;
}

export interface FaultDecision {
  latencyMs: number;
  outcome: 'ok' | 'error' | 'garbage';
  httpStatus: number;
  grpcCode: GrpcStatus;
}

const GRPC_CODE_NAMES = Object.keys(GrpcStatus).filter((k) => Number.isNaN(Number(k)));

/**
 * Returns the fault spec checked and normalised. Throws a TypeError naming the bad value, so a
 * typo in BACKEND_FAULTS stops the start and a bad POST /faults gets a 400.
 */
export function parseFaultSpec(service: string, value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`faults.${service} must be an object, got ${JSON.stringify(value)}`);
  }
  const spec: FaultSpec = {};
  for (const [key, v] of Object.entries(value)) {
    const bad = () => new TypeError(`faults.${service}.${key}: bad value ${JSON.stringify(v)}`);
    if (key === 'latencyMs') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 60_000)) throw bad();
      spec.latencyMs = v;
    } else if (key === 'errorRate' || key === 'garbageRate') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw bad();
      spec[key] = v;
    } else if (key === 'httpStatus') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 599) throw bad();
      spec.httpStatus = v;
    } else if (key === 'grpcCode') {
      if (typeof v !== 'string' || !GRPC_CODE_NAMES.includes(v)) throw bad();
      spec.grpcCode = v;
    } else {
      throw new TypeError(`faults.${service}: unknown key "${key}"`);
    }
  }
  return spec;
}

/**
 * Counters and injected faults of one backend service. Every call goes through record()
 * first, so failing calls count too.
 */
export class ServiceMonitor {
  private stats: Omit<ServiceStats, 'openStreams'> = { calls: 0, byOperation: {}, keys: 0, last: null };
  private openStreams: Record<string, number> = {};
  private faults: FaultSpec = {};
  // Accumulators make the rates deterministic: a rate r adds r per call and fires at 1.
  private errorAcc = 0;
  private garbageAcc = 0;

  /** The backend the calls are signed for (identity check): the service, or what it is an instance of. */
  readonly backend: string;

  constructor(
    readonly service: ServiceName,
    private readonly baseLatencyMs = 0,
  ) {
    this.backend = INSTANCE_OF[service] ?? service;
  }

  /** Counts one call and returns what to do with it. */
  record(operation: string, keys: number, requestId: string | undefined, traceparent: string | undefined): FaultDecision {
    const s = this.stats;
    s.calls++;
    s.byOperation[operation] = (s.byOperation[operation] ?? 0) + 1;
    s.keys += keys;
    s.last = { requestId: requestId ?? null, traceparent: traceparent ?? null, identity: null };
    const f = this.faults;
    let outcome: FaultDecision['outcome'] = 'ok';
    if (f.errorRate) {
      this.errorAcc += f.errorRate;
      if (this.errorAcc >= 1 - 1e-9) {
        this.errorAcc -= 1;
        outcome = 'error';
      }
    }
    if (f.garbageRate) {
      this.garbageAcc += f.garbageRate;
      if (this.garbageAcc >= 1 - 1e-9) {
        this.garbageAcc -= 1;
        if (outcome === 'ok') outcome = 'garbage';
      }
    }
    return {
      latencyMs: this.baseLatencyMs + (f.latencyMs ?? 0),
      outcome,
      httpStatus: f.httpStatus ?? 500,
      grpcCode: GrpcStatus[(f.grpcCode ?? 'UNAVAILABLE') as keyof typeof GrpcStatus],
    };
  }

  /** Notes the verified identity of the call that was recorded last. */
  recordIdentity(identity: VerifiedIdentity | null): void {
    if (this.stats.last) this.stats.last.identity = identity;
  }

  /** Counts a server stream as open until the returned function is called (idempotent). */
  streamOpened(operation: string): () => void {
    this.openStreams[operation] = (this.openStreams[operation] ?? 0) + 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.openStreams[operation]! -= 1;
    };
  }

  setFaults(spec: FaultSpec): void {
    this.faults = spec;
    this.errorAcc = 0;
    this.garbageAcc = 0;
  }

  getFaults(): FaultSpec {
    return this.faults;
  }

  reset(): void {
    this.stats = { calls: 0, byOperation: {}, keys: 0, last: null };
    this.setFaults({});
  }

  snapshot(): ServiceStats {
    return { ...this.stats, openStreams: { ...this.openStreams } };
  }
}
