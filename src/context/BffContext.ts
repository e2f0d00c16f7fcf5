import type { Viewer } from '../auth/Viewer.js';
import type { CallScope } from '../datasources/CallScope.js';
import type { Backends } from '../datasources/createBackends.js';
import type { QueuedWrites } from '../datasources/queue/QueuedWrites.js';
import type { Loaders } from '../loaders/createLoaders.js';
import type { Logger } from '../observability/createLogger.js';
import type { LiveScope } from '../subscriptions/LiveScope.js';

/**
 * Everything a resolver may use, built once per request by `buildContext` and never
 * changed afterwards. Resolvers read through `loaders` (list-prone fields) or call
 * `backends` with `scope` (writes, pages); they never build their own clients.
 */
export interface BffContext {
  readonly requestId: string;
  readonly viewer: Viewer;
  readonly log: Logger;
  /** Aborted when the client goes away or the request's budget is spent. */
  readonly signal: AbortSignal;
  readonly loaders: Loaders;
  readonly backends: Backends;
  /** What every backend call of this request carries (identity, deadline, fan-out receipt). */
  readonly scope: CallScope;
  /** Request start, epoch ms: one clock for every relative date in a response. */
  readonly now: number;
  /** Whether the response carries `extensions.fanout`. */
  readonly emitFanout: boolean;
  /** Writes that go through the message queue (src/datasources/queue). */
  readonly queued: QueuedWrites;
  /** The client's `Idempotency-Key` header, for queued writes. */
  readonly idempotencyKey: string | undefined;
  /** Experiment → variant of this request (src/routing); empty when routing is off. */
  readonly routing: Readonly<Record<string, string>>;
  /** Set for subscriptions only: the event sources and the follower (see src/subscriptions). */
  readonly live?: LiveScope;
}
