import { isDeepStrictEqual } from 'node:util';
import type { RunningContender } from './contenders.js';
import type { BenchRequest, Scenario } from './scenarios.js';

/** Per-service call counters, as the backends' admin `GET /stats` reports them. */
export type StatsReader = () => Promise<Record<string, { calls: number }>>;

export interface Answer {
  status: number;
  data: unknown;
  errors: unknown[] | undefined;
}

/** Sends one benchmark request and returns status, `data` and `errors`. */
export async function send(url: string, request: BenchRequest): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await res.text();
  let body: { data?: unknown; errors?: unknown[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`non-JSON answer (${res.status}): ${text.slice(0, 200)}`);
  }
  return { status: res.status, data: body.data, errors: body.errors };
}

/** The first place two JSON values differ, as a path, for a readable mismatch report. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (diff) return diff;
  }
  return `${path}: differs`;
}

export interface Agreement {
  /** One line per contender whose answer differs from the floor's (empty when all agree). */
  mismatches: string[];
}

/**
 * Sends the same `samples` requests to every contender and compares each `data` with the
 * floor's (the empty handler is left out: it answers nothing on purpose). A contender that
 * answers with errors or a non-200 status counts as a mismatch.
 */
export async function checkSameData(
  scenario: Scenario,
  floor: RunningContender,
  others: RunningContender[],
  samples = 3,
): Promise<Agreement> {
  const mismatches: string[] = [];
  const step = Math.max(1, Math.floor(scenario.requests.length / samples));
  for (let i = 0; i < samples; i++) {
    const request = scenario.requests[(i * step) % scenario.requests.length]!;
    const expected = await send(floor.url, request);
    if (expected.status !== 200 || expected.errors) {
      mismatches.push(`floor: ${expected.status} ${JSON.stringify(expected.errors)?.slice(0, 200)}`);
      continue;
    }
    for (const contender of others) {
      const answer = await send(contender.url, request);
      if (answer.status !== 200 || answer.errors) {
        mismatches.push(`${contender.spec.id}: ${answer.status} ${JSON.stringify(answer.errors)?.slice(0, 200)}`);
      } else {
        const diff = firstDifference(answer.data, expected.data);
        if (diff) mismatches.push(`${contender.spec.id}: ${diff}`);
      }
    }
  }
  return { mismatches };
}

export interface CallCount {
  /** Backend calls per request, averaged over the sample. */
  perRequest: number;
  byBackend: Record<string, number>;
}

/**
 * Counts the backend calls `contender` makes per request from the backends' own counters,
 * diffed around `samples` sequential requests (nothing else may call the backends meanwhile).
 */
export async function countCalls(scenario: Scenario, contender: RunningContender, stats: StatsReader, samples = 3): Promise<CallCount> {
  const before = await stats();
  for (let i = 0; i < samples; i++) {
    const answer = await send(contender.url, scenario.requests[(i * 13) % scenario.requests.length]!);
    if (answer.status !== 200) throw new Error(`${contender.spec.id} answered ${answer.status} while counting calls`);
  }
  const after = await stats();
  const byBackend: Record<string, number> = {};
  let total = 0;
  for (const service of Object.keys(after)) {
    const calls = after[service]!.calls - (before[service]?.calls ?? 0);
    if (calls) byBackend[service] = calls / samples;
    total += calls;
  }
  return { perRequest: total / samples, byBackend };
}
