import type { Viewer } from '../auth/Viewer.js';
import type { BffError } from '../errors/BffError.js';

/**
 * Where a subscription's events come from: one small interface for every source, whether a
 * gRPC server stream (WatchOrderStatus) or a broker topic (the message queue). A resolver asks for a topic and iterates; the transport (WS or
 * SSE) ends the iteration (`return()`) when the client unsubscribes or goes away.
 */
export interface EventSource<E> {
  /**
   * @returns the events of `topic` for `follower`, from now on (a source may first replay the
   * latest event, so a late joiner knows the current state).
   * @throws BffError (from `ready` or the iteration) when the source refuses the follower
   * (FORBIDDEN, NOT_FOUND, UNAUTHENTICATED) or cannot be reached (UPSTREAM_*).
   */
  subscribe(topic: string, follower: Follower): LiveStream<E>;
}

/** Who follows a topic, and how much of their backlog a source may hold. */
export interface Follower {
  readonly viewer: Viewer;
  readonly requestId: string;
  /** Events held for this follower before `onOverflow` cuts it off (the transport sends one at a time). */
  readonly maxQueued: number;
  /** Called once when the follower's backlog passes `maxQueued`: the transport closes the client. */
  onOverflow(): void;
}

/** A stream of events, or a failure as its last item (the "typed error event"). */
export interface LiveStream<E> extends AsyncIterableIterator<E | StreamFailure> {
  /** Resolves once the source has accepted the follower (first event or stream open); rejects with the refusal. */
  readonly ready: Promise<void>;
  /** Events accepted from the source and not yet taken by the transport (for metrics and drain). */
  readonly backlog?: number;
}

/** The last item of a stream whose source failed for good (after its retries). */
export interface StreamFailure {
  readonly failure: BffError;
}

export function isStreamFailure(value: unknown): value is StreamFailure {
  return typeof value === 'object' && value !== null && 'failure' in value;
}
