import { createHash } from 'node:crypto';

/** SHA-256 (hex) of a GraphQL document's text: the key of the manifest, APQ and the prepared-operation caches. */
export function hashDocument(query: string): string {
  return createHash('sha256').update(query).digest('hex');
}

/**
 * The `sha256Hash` of an APQ request's `extensions` (an object in a POST, JSON text in a GET),
 * lower-cased unless asked not to; undefined when there is none or the JSON is malformed
 * (Apollo answers that parameter itself).
 */
export function persistedHashOf(extensions: unknown, lowerCase = true): string | undefined {
  let value = extensions;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const hash = (value as { persistedQuery?: { sha256Hash?: unknown } } | null)?.persistedQuery?.sha256Hash;
  if (typeof hash !== 'string') return undefined;
  return lowerCase ? hash.toLowerCase() : hash;
}
