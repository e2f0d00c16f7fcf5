import { channel } from 'node:diagnostics_channel';
import type { Protocol } from '../datasources/Protocol.js';

/**
 * The kit publishes what happens on diagnostics channels; metrics, logs and tests
 * subscribe. Publishing to a channel nobody listens to costs next to nothing, so the hot
 * path never asks whether metrics are on.
 */
export interface UpstreamCallEvent {
  backend: string;
  protocol: Protocol;
  operation: string;
  keys: number;
  ms: number;
  /** Error code when the call failed. */
  error: string | undefined;
  attempts: number;
}

export interface LoaderBatchEvent {
  loader: string;
  size: number;
}

export interface BreakerStateEvent {
  backend: string;
  state: 'closed' | 'open' | 'half_open' | 'isolated';
  /** The last faults the breaker counted (`CODE/reason`), oldest first: why it opened. */
  lastFaults: string[];
}

export const upstreamCallChannel = channel('bff:upstream:call');
export const loaderBatchChannel = channel('bff:loader:batch');
export const breakerStateChannel = channel('bff:breaker:state');

/**
 * One key looked up in the public cache (src/cache): served fresh, stale, from a call in flight,
 * or fetched; or, apart from the lookups, one entity copied in from the tier shared by the
 * replicas (`shared`), or written there by the replica that held its lease while this one waited
 * (`collapsed_replica`), or one failed read or write of that tier (`shared_error`).
 */
export interface CacheLookupEvent {
  kind: string;
  result: 'hit' | 'stale' | 'miss' | 'collapsed' | 'shared' | 'shared_error' | 'collapsed_replica';
}

export const cacheLookupChannel = channel('bff:cache:lookup');
