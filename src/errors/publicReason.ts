/**
 * The closed list of `extensions.reason` values a client may see in production
 * (docs/security.md, "Error reasons"). Anything else — transport detail such as `http_431`,
 * `grpc_UNAVAILABLE` or `und_err_invalid_arg`, which says how a backend or a socket failed —
 * is for the log only and reaches a client as one of the two generic reasons below.
 */
export const PUBLIC_REASONS: ReadonlySet<string> = new Set([
  // Operation limits (OPERATION_LIMIT_EXCEEDED) and the mutation rate limit.
  'tokens',
  'depth',
  'aliases',
  'rootFields',
  'directives',
  'repeatedFields',
  'cost',
  'mutation_limit',
  'page_size',
  // Authorization (FORBIDDEN, UNAUTHENTICATED from @auth).
  'missing_scope',
  'no_user',
  'api_key_not_allowed',
  // The request itself (BAD_REQUEST).
  'missing_host',
  'persisted_query_hash_mismatch',
  'subscriptions_unsupported',
  // Arguments refused at the edge (BAD_USER_INPUT): which rule, with extensions.argument.
  'invalid_id',
  'string_too_long',
  'invalid_characters',
  'event_name',
  'event_properties',
  'idempotency_key',
  'reason_too_long',
  // Load shedding (OVERLOADED).
  'in_flight',
  'event_loop',
  // A field left out under load (DEGRADED).
  'under_load',
  // Backends (UPSTREAM_*): what a client can act on, not how it failed.
  'circuit_open',
  'deadline',
  'request_deadline',
  'request_cancelled',
  'connect_refused',
  // The message broker of queued writes (UPSTREAM_UNAVAILABLE, OUTCOME_UNKNOWN with upstream "queue").
  'broker_unavailable',
  'publish_timeout',
  // The generic ones.
  'upstream_error',
  'other',
]);

/** @returns `reason` when a client may see it, else `upstream_error` (for a backend's failure) or `other`. */
export function publicReason(code: unknown, reason: string): string {
  if (PUBLIC_REASONS.has(reason)) return reason;
  return typeof code === 'string' && (code.startsWith('UPSTREAM_') || code === 'OUTCOME_UNKNOWN' || code === 'RATE_LIMITED')
    ? 'upstream_error'
    : 'other';
}
