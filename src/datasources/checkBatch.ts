import { badResponse } from '../errors/fromUpstream.js';

/**
 * Checks a batch answer inside the backend call (so a malformed answer counts against the
 * backend's breaker): it must be an array of objects, each keyed (by `keyOf`) by one of the
 * ids asked for. Ids left out are fine (unknown entities); the loader reports those per key.
 *
 * @returns `list`, typed.
 * @throws BffError UPSTREAM_BAD_RESPONSE, reason `shape` (not an array of objects) or
 * `unrequested_keys` (an entity nobody asked for: the answer cannot be trusted).
 */
export function checkBatch<T>(upstream: string, list: unknown, requested: readonly string[], keyOf: (entity: T) => unknown): T[] {
  if (!Array.isArray(list)) throw badResponse(upstream, 'shape');
  // The usual answer, the entities in the order asked, is checked without a set.
  let inOrder = 0;
  while (inOrder < list.length && inOrder < requested.length) {
    const entity: unknown = list[inOrder];
    if (typeof entity !== 'object' || entity === null) throw badResponse(upstream, 'shape');
    if (keyOf(entity as T) !== requested[inOrder]) break;
    inOrder++;
  }
  if (inOrder === list.length) return list as T[];
  // A Set only for big batches: for a handful of ids a scan is cheaper than building one.
  const asked: { has(id: string): boolean } = requested.length > 8 ? new Set(requested) : { has: (id) => requested.includes(id) };
  for (const entity of list) {
    if (typeof entity !== 'object' || entity === null) throw badResponse(upstream, 'shape');
    const key = keyOf(entity as T);
    if (typeof key !== 'string' || !asked.has(key)) throw badResponse(upstream, 'unrequested_keys');
  }
  return list as T[];
}
