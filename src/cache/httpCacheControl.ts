import type { EntityPolicy } from './PublicCache.js';

/** A backend response's headers, as undici hands them (names in lower case). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * How long a **shared** cache may keep one backend answer, read from its `Cache-Control` (and
 * `Age`) the way RFC 9111 asks of a shared cache (this cache serves every viewer):
 * - `no-store`, `private` or `no-cache` (nothing here revalidates): never kept, `{ ttlMs: 0 }`;
 * - `s-maxage`, else `max-age`, less the `Age` the answer already has: fresh for that long;
 * - `stale-while-revalidate=M`: then served stale for M more (0 without it, or with
 *   `must-revalidate` / `proxy-revalidate`, which forbid serving it stale);
 * each bounded by `maxMs`, so a backend's mistake cannot pin an entry for a year.
 *
 * @returns the lifetime, or undefined when the headers say nothing about it (no header, or
 * neither a lifetime nor a refusal): the caller's per-kind default applies then.
 */
export function lifetimeFromHeaders(headers: ResponseHeaders, maxMs: number): EntityPolicy | undefined {
  const header = headers['cache-control'];
  if (header === undefined) return undefined;
  const directives = parseCacheControl(Array.isArray(header) ? header.join(',') : header);
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return { ttlMs: 0, staleMs: 0 };
  const maxAge = seconds(directives.get('s-maxage')) ?? seconds(directives.get('max-age'));
  if (maxAge === undefined) return undefined;
  const age = seconds(single(headers.age)) ?? 0;
  const revalidate = directives.has('must-revalidate') || directives.has('proxy-revalidate');
  const stale = revalidate ? 0 : (seconds(directives.get('stale-while-revalidate')) ?? 0);
  const ttlMs = Math.min(Math.max(0, maxAge - age) * 1000, maxMs);
  return { ttlMs, staleMs: ttlMs > 0 ? Math.min(stale * 1000, maxMs) : 0 };
}

/** @returns the directives of a `Cache-Control` value, names in lower case, values unquoted (`''` when none). */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) continue;
    let arg = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (arg.length >= 2 && arg.startsWith('"') && arg.endsWith('"')) arg = arg.slice(1, -1);
    // A repeated directive: the first is kept.
    if (!directives.has(name)) directives.set(name, arg);
  }
  return directives;
}

/** The longer-lived of two lifetimes never wins: both fields are the shorter. */
export function shorterOf(a: EntityPolicy, b: EntityPolicy): EntityPolicy {
  return { ttlMs: Math.min(a.ttlMs, b.ttlMs), staleMs: Math.min(a.staleMs, b.staleMs) };
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  return Number(text);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
