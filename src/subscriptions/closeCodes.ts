/**
 * Close codes of a GraphQL-over-WebSocket connection (docs/operations.md lists them with what a
 * client should do). 44xx mirror the HTTP status of the same refusal; graphql-ws clients do not
 * retry 4400, 4401, 4406, 4409 and 4429 and reconnect after the others.
 */
export const CloseCode = {
  /** The server is draining (SIGTERM): reconnect, another replica will answer. */
  GOING_AWAY: 1001,
  /** The identity provider cannot check the token now, or the server has no room: retry later. */
  TRY_AGAIN_LATER: 1013,
  /** connection_init carried credentials that HTTP would answer with 401. */
  UNAUTHORIZED: 4401,
  /** connection_init carried an API key not allowed on this BFF (HTTP 403). */
  FORBIDDEN: 4403,
  /** The token of the connection expired: reconnect with a fresh one (connectionParams as a function). */
  TOKEN_EXPIRED: 4410,
  /** No subscription and no message for the idle timeout. */
  IDLE: 4411,
  /** The connection reached its maximum lifetime: reconnect (spreads long-lived clients over replicas). */
  MAX_LIFETIME: 4412,
  /** The client did not read its events fast enough: its buffer passed the bound. */
  SLOW_CONSUMER: 4413,
  /** Too many connections for this user, or too many messages per second on this connection. */
  TOO_MANY: 4429,
} as const;
