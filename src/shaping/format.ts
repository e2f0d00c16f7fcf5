import { asBffError, BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

/**
 * Pure formatting helpers both BFFs shape with: no I/O, no context, no client knowledge.
 * Callers pass `now` so a whole response shares one clock.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** `formatMoney(1234, 'EUR')` → `€12.34`. */
export function formatMoney(amountCents: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-IE', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(amountCents / 100);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** `relativeTime(now - 3 days, now)` → `3 days ago`; under a minute → `just now`. */
export function relativeTime(atMs: number, nowMs: number): string {
  const delta = atMs - nowMs;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return relative.format(Math.trunc(delta / ms), unit);
  }
  return 'just now';
}

/** `ORDER_STATUS_SHIPPED` (the gRPC enum) → `SHIPPED` (the schema enum). */
export function orderStatusOf(grpcStatus: string): string {
  return grpcStatus.startsWith('ORDER_STATUS_') ? grpcStatus.slice('ORDER_STATUS_'.length) : grpcStatus;
}

/** The schema enum back to the gRPC one. */
export function grpcOrderStatus(status: string): string {
  return `ORDER_STATUS_${status}`;
}

/** Cuts `text` at a word boundary to at most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * @returns the page size a client asked for, or `fallback` when it asked for none.
 * @throws BffError BAD_USER_INPUT outside 1..max: a silently shortened page would look complete.
 */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw new BffError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${max}.`, { reason: 'page_size' });
  }
  return first;
}

/** What a page cursor may look like: the backends' page tokens are opaque base64url text. */
const CURSOR = /^[A-Za-z0-9_-]{1,256}$/;

/** The error for a cursor that is not one of ours, naming the argument. */
export function invalidCursor(argument: string, cause?: unknown): BffError {
  return new BffError(
    ErrorCode.BAD_USER_INPUT,
    `${argument} is not a cursor this API gave out: pass pageInfo.endCursor of the previous page.`,
    {
      reason: 'invalid_cursor',
      extensions: { argument },
      ...(cause !== undefined && { cause }),
    },
  );
}

/**
 * @returns the cursor to pass on (undefined for none), checked before any backend call.
 * @throws BffError BAD_USER_INPUT naming `argument` when it cannot be a cursor.
 */
export function pageCursor(after: string | null | undefined, argument = 'after'): string | undefined {
  if (after === null || after === undefined || after === '') return undefined;
  if (!CURSOR.test(after)) throw invalidCursor(argument);
  return after;
}

/**
 * Runs a page fetch whose only free input is the cursor (sizes and enums are checked before):
 * a backend's refusal of its input is then a refusal of the cursor, and says so.
 */
export async function withCursor<T>(cursor: string | undefined, fetchPage: () => Promise<T>, argument = 'after'): Promise<T> {
  if (cursor === undefined) return fetchPage();
  try {
    return await fetchPage();
  } catch (error) {
    if (asBffError(error)?.code === ErrorCode.BAD_USER_INPUT) throw invalidCursor(argument, error);
    throw error;
  }
}
