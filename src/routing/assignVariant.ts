import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Viewer } from '../auth/Viewer.js';
import type { Experiment, Match } from './routingRules.js';

/** Buckets of the percentage split: 10,000 gives shares to 0.01 %. */
export const BUCKETS = 10_000;

/**
 * @returns the bucket (0..9999) of `unit` in `experiment`: the first 32 bits of
 * SHA-256(`experiment:unit`) modulo 10,000. Deterministic, so every replica and every restart
 * puts a user in the same bucket with no shared state; salted with the experiment's name, so
 * being in the 10 % of one experiment says nothing about another.
 */
export function bucketOf(experiment: string, unit: string): number {
  return createHash('sha256').update(`${experiment}:${unit}`).digest().readUInt32BE(0) % BUCKETS;
}

/** @returns the variant whose cumulative weight covers `bucket`. */
export function variantOfBucket(variants: Experiment['variants'], bucket: number): string {
  let total = 0;
  for (const v of variants) total += v.weight;
  const point = (bucket / BUCKETS) * total;
  let edge = 0;
  for (const v of variants) {
    edge += v.weight;
    if (v.weight > 0 && point < edge) return v.name;
  }
  // Rounding at the top end: the last variant with a weight.
  return [...variants].reverse().find((v) => v.weight > 0)!.name;
}

/** What a segment rule can look at in one request. */
export interface RouteSubject {
  viewer: Viewer;
  headers: IncomingHttpHeaders;
}

const header = (headers: IncomingHttpHeaders, ...names: string[]): string | undefined => {
  for (const n of names) {
    const value = headers[n];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
};

/** Dotted-number comparison: -1, 0 or 1. A version that is not dotted numbers compares as 0.0. */
export function compareVersions(a: string, b: string): number {
  const pa = /^\d+(\.\d+)*$/.test(a) ? a.split('.').map(Number) : [0];
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** @returns whether the request is in the segment `match` describes (every condition holds). */
export function matches(match: Match, subject: RouteSubject): boolean {
  const { viewer, headers } = subject;
  if (match.viewer !== undefined && (match.viewer === 'user') !== (viewer.kind === 'user')) return false;
  if (match.scope !== undefined && !viewer.scopes.has(match.scope)) return false;
  if (match.claim) {
    const claims = viewer.claims;
    if (!claims) return false;
    for (const [claim, wanted] of Object.entries(match.claim)) {
      const actual = claims[claim];
      const allowed = Array.isArray(wanted) ? wanted : [wanted];
      if (!allowed.some((w) => w === actual)) return false;
    }
  }
  if (match.client) {
    const name = header(headers, 'apollographql-client-name', 'x-app-name');
    const version = header(headers, 'apollographql-client-version', 'x-app-version');
    if (match.client.name !== undefined) {
      const names = Array.isArray(match.client.name) ? match.client.name : [match.client.name];
      if (name === undefined || !names.includes(name)) return false;
    }
    if (match.client.minVersion !== undefined && (version === undefined || compareVersions(version, match.client.minVersion) < 0))
      return false;
    if (match.client.belowVersion !== undefined && (version === undefined || compareVersions(version, match.client.belowVersion) >= 0))
      return false;
  }
  if (match.header) {
    for (const [name, value] of Object.entries(match.header)) {
      if (headers[name] !== value) return false;
    }
  }
  return true;
}

const DEVICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DEVICE_COOKIE = /(?:^|;\s*)bff_device=([A-Za-z0-9._:-]{1,128})(?:;|$)/;

/**
 * @returns the stable unit the percentage split hashes: the user id when signed in, else the
 * app's device id (`x-device-id` header, or the `bff_device` cookie); undefined when there is
 * neither (such a request gets the baseline: a random pick would change on every request).
 */
export function unitOf(subject: RouteSubject): string | undefined {
  if (subject.viewer.userId !== undefined) return `user:${subject.viewer.userId}`;
  const device = subject.headers['x-device-id'];
  if (typeof device === 'string' && DEVICE_ID.test(device)) return `device:${device}`;
  const cookie = subject.headers.cookie;
  const found = typeof cookie === 'string' ? DEVICE_COOKIE.exec(cookie) : null;
  return found ? `device:${found[1]}` : undefined;
}

/** How a variant was chosen, for the receipt and the log. */
export type AssignmentReason = 'segment' | 'split' | 'baseline' | 'override' | 'rolled_back' | 'disabled';

/**
 * @returns the variant of `experiment` for this request: the first segment that matches, else
 * the weighted split over the unit's bucket, else (no unit) the baseline.
 */
export function assignVariant(
  experiment: Experiment,
  subject: RouteSubject,
  unit: string | undefined,
): { variant: string; reason: AssignmentReason } {
  const baseline = experiment.variants[0]!.name;
  if (!experiment.enabled) return { variant: baseline, reason: 'disabled' };
  for (const segment of experiment.segments) {
    if (matches(segment.when, subject)) return { variant: segment.variant, reason: 'segment' };
  }
  if (unit === undefined) return { variant: baseline, reason: 'baseline' };
  return { variant: variantOfBucket(experiment.variants, bucketOf(experiment.name, unit)), reason: 'split' };
}
