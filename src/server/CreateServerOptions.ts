import type { GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth/createAuthenticator.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { Backends } from '../datasources/createBackends.js';
import type { MessageQueue } from '../messaging/MessageQueue.js';
import type { Logger } from '../observability/createLogger.js';
import type { OperationCheck } from '../operation/OperationPipeline.js';
import type { OrderEventsFeed } from '../subscriptions/useSubscriptions.js';
import type { PriorityClass } from '../traffic/PriorityClass.js';

/** What createServer builds a BFF from: its configuration and schema, and what a BFF or a test passes in instead of the defaults. */
export interface CreateServerOptions {
  config: BffConfig;
  /** The BFF's executable schema (its SDL and resolvers). */
  schema: GraphQLSchema;
  /** Backend clients; default: made from `config.backends`. */
  backends?: Backends;
  logger?: Logger;
  /** Default: bearer JWTs verified against the configured key set. */
  authenticate?: Authenticator;
  /**
   * The BFF's own checks of an operation, after the kit's; both paths (Apollo's and the fast
   * path) run them. Throw a BffError to refuse.
   */
  checks?: OperationCheck[];
  /** The message queue; default: made from `config.broker`. Closed with the server either way. */
  queue?: MessageQueue;
  /**
   * Be the browser's OAuth token handler (src/auth/tokenHandler): /auth/* routes and a session
   * cookie beside bearer tokens. Default false; bff-web turns it on.
   */
  tokenHandler?: boolean;
  /** The order-events feed of subscriptions; default: the queue's `orders.events` topic (useSubscriptions). Closed with the server. */
  orderEvents?: OrderEventsFeed;
  /** Priority classes of the client's manifest operations by name (src/traffic; TRAFFIC_CLASSES overrides). */
  trafficClasses?: Readonly<Record<string, PriorityClass>>;
}
