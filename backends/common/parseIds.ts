import { HttpError } from './serveMonitored.js';

/**
 * Returns the distinct, non-empty ids of a comma-separated `ids` query value, in request order.
 * Throws HttpError 400 BAD_REQUEST when there are more than `max` (the batch limit the BFF's
 * loaders must respect).
 */
export function parseIds(value: string, max: number): string[] {
  if (value === '') return [];
  const ids = [...new Set(value.split(','))].filter((id) => id !== '');
  if (ids.length > max) throw new HttpError(400, 'BAD_REQUEST', `at most ${max} ids per call, got ${ids.length}`);
  return ids;
}

/** Returns the decoded path segment. Throws HttpError 400 BAD_REQUEST on bad percent-encoding. */
export function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'bad percent-encoding in path');
  }
}

/** Returns an opaque page cursor for an offset (base64url, so clients treat it as a blob). */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

/** Returns the offset of a cursor from encodeCursor, or null when it is not one. */
export function decodeCursor(cursor: string): number | null {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}
