import type { ContenderKind } from './contenders.js';

export interface ContenderResult {
  id: string;
  label: string;
  kind: ContenderKind;
  /** Median over rounds of req/s at saturation. */
  rps: number;
  rpsRounds: number[];
  /** Median over rounds of contender CPU (all its processes) per request, ms. */
  cpuMsPerRequest: number;
  /** At the scenario's common fixed rate; null when the contender cannot sustain that rate. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Each paced round's p99 (p50Ms and p99Ms are the medians); empty when it could not sustain the rate. */
  p99Rounds: number[];
  /** RSS of the contender's largest process once idle after the data checks (before any load), MB. */
  idleRssMb: number;
  /** Peak RSS of the contender's largest process over its windows in this scenario (warm-ups included), MB. */
  peakRssMb: number;
  /** Backend calls per request, from the backends' counters; null for the empty handler. */
  callsPerRequest: number | null;
  callsByBackend: Record<string, number>;
  /** Failed requests (non-2xx, socket errors, timeouts) over every load run of this row. */
  failed: number;
  rpsVsFloor: number;
  cpuVsFloor: number;
  rpsVsNaive: number | null;
  cpuVsNaive: number | null;
  /** Against stock Apollo Server + DataLoader of the same client (null when it did not run). */
  rpsVsStock: number | null;
  cpuVsStock: number | null;
  /** Against the lean floor (no GraphQL, no kit). */
  rpsVsLean: number;
  cpuVsLean: number;
  /** bff-cached only: share of public-cache lookups served from memory over its windows. */
  cacheHitRate?: number | null;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  latencyMs: number;
  minimalCalls: number;
  /** Requests per second of the latency runs: half the slowest of the shipped BFF, stock and the floors. */
  commonRate: number;
  responseBytes: number;
  contenders: ContenderResult[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
  /** When not met: its cause as measured so far (docs/performance.md, "What is left"). */
  whyNot?: string;
}

export interface BenchResults {
  startedAt: string;
  mode: 'quick' | 'full';
  command: string;
  machine: { nproc: number; cpuModel: string; node: string; memoryGb: number; loadAverageAtEnd: string };
  settings: {
    rounds: number;
    saturationSeconds: number;
    saturationConnections: number;
    naiveConnections: number;
    rateSeconds: number;
    rateConnections: number;
    rateSamples: number;
    executor: string;
    /** Whether the other contenders were frozen during each measured window (false with --no-isolate; absent in older results). */
    isolated?: boolean;
    /** `--v8-pool-size` every contender and the backends ran with (absent in older results: Node's default, 4). */
    v8PoolSize?: number;
  };
  results: ScenarioResult[];
  targets: TargetCheck[];
  elapsedSeconds: number;
}

const fmt = (n: number | null, digits = 0): string =>
  n === null || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (n: number | null): string => (n === null || !Number.isFinite(n) ? '—' : `${n.toFixed(2)}×`);

/** @returns the Markdown report: machine, settings, one table per scenario and latency, the targets. */
export function toMarkdown(results: BenchResults, chartFile: string): string {
  const { machine, settings } = results;
  const lines: string[] = [
    `# Benchmark ${results.startedAt} (${results.mode})`,
    '',
    `Machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; load average at the end ${machine.loadAverageAtEnd}. ` +
      `Command: \`${results.command}\` (${Math.round(results.elapsedSeconds)} s).`,
    '',
    `Saturation: ${settings.saturationConnections} connections (naive: ${settings.naiveConnections}) × ${settings.saturationSeconds} s, median of ${settings.rounds} round(s). ` +
      `Latency: requests evenly paced at the common rate (half the slowest of the shipped BFF, stock Apollo and the two floors) for ${settings.rateSeconds}–${settings.rateSeconds * 5} s (about ${settings.rateSamples} requests) over up to ${settings.rateConnections} connections, timed from when each was due; p50 and p99 are the medians of ${settings.rounds} such round(s). ` +
      `BFF executor as shipped: \`${settings.executor}\`. ` +
      `${settings.v8PoolSize ? `Every contender and the backends run with \`--v8-pool-size=${settings.v8PoolSize}\` (V8's background threads; Node's default is 4), the load tool with 1. ` : ''}` +
      "CPU is the contender's own (all its processes), from /proc. " +
      `${settings.isolated ? 'Every other contender is frozen (SIGSTOP) while one is measured. ' : 'The other contenders stay running (--no-isolate) while one is measured. '}` +
      "Peak RSS is the largest process's high-water mark over the scenario's windows (reset before each); idle RSS is its RSS after the data checks, before any load. " +
      'Backend calls are counted by the backends themselves.',
    '',
    `![req/s and CPU per request](${chartFile})`,
    '',
  ];
  for (const s of results.results) {
    lines.push(
      `## ${s.title}, backend latency ${s.latencyMs} ms`,
      '',
      `Response ≈ ${fmt(s.responseBytes / 1024, 1)} KB; minimal backend calls ${s.minimalCalls}; common rate ${s.commonRate} req/s.`,
      '',
      '| contender | req/s | CPU ms/req | p50 ms | p99 ms | peak / idle RSS MB | backend calls/req | failed | req/s vs stock | CPU vs stock | req/s vs lean | CPU vs lean | req/s vs kit floor | CPU vs kit floor | req/s vs naive |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const c of s.contenders) {
      lines.push(
        `| ${c.label} | ${fmt(c.rps)} | ${fmt(c.cpuMsPerRequest, 2)} | ${fmt(c.p50Ms, 1)} | ${fmt(c.p99Ms, 1)} | ${fmt(c.peakRssMb)} / ${fmt(c.idleRssMb)} | ` +
          `${c.callsPerRequest === null ? '—' : fmt(c.callsPerRequest, c.callsPerRequest % 1 ? 1 : 0)} | ${c.failed} | ` +
          `${ratio(c.rpsVsStock)} | ${ratio(c.cpuVsStock)} | ${ratio(c.rpsVsLean)} | ${ratio(c.cpuVsLean)} | ${ratio(c.rpsVsFloor)} | ${ratio(c.cpuVsFloor)} | ${ratio(c.rpsVsNaive)} |`,
      );
    }
    lines.push('');
  }
  lines.push(...ratioTable(results.results), '');
  const cachedRows = results.results.flatMap((s) => s.contenders.filter((c) => c.id === 'bff-cached').map((c) => ({ s, c })));
  if (cachedRows.length) {
    lines.push(
      '## With the public cache on (bff-cached: BFF_CACHE=memory, BFF_COLLAPSE=true)',
      '',
      '| screen | req/s | CPU ms/req | backend calls/req (sequential check) | cache hit rate | req/s vs shipped (no cache) |',
      '|---|--:|--:|--:|--:|--:|',
    );
    for (const { s, c } of cachedRows) {
      const bff = s.contenders.find((x) => x.id === 'bff');
      lines.push(
        `| ${s.scenario} @ ${s.latencyMs} ms | ${fmt(c.rps)} | ${fmt(c.cpuMsPerRequest, 2)} | ${c.callsPerRequest === null ? '—' : fmt(c.callsPerRequest, 1)} | ${c.cacheHitRate == null ? '—' : `${(c.cacheHitRate * 100).toFixed(0)}%`} | ${ratio(bff ? c.rps / bff.rps : null)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Targets (shipped BFF against stock Apollo and the lean floor of the same run)',
    '',
    '| target | measured | met | if not, why (docs/performance.md, "What is left") |',
    '|---|---|---|---|',
  );
  for (const t of results.targets)
    lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} | ${t.met ? '' : (t.whyNot ?? '')} |`);
  lines.push('');
  return lines.join('\n');
}

/**
 * @returns the summary the issue asks for: per screen, the shipped BFF's figures divided by
 * each reference's (req/s above 1 is better; CPU, RSS and p99 below 1 are).
 */
export function ratioTable(scenarios: ScenarioResult[]): string[] {
  const lines = [
    '## The shipped BFF against each reference (ratios; req/s > 1 and the rest < 1 favour the BFF)',
    '',
    '| screen | against | req/s | CPU ms/req | peak RSS | idle RSS | p99 at the common rate |',
    '|---|---|--:|--:|--:|--:|--:|',
  ];
  const div = (a: number | null, b: number | null) => (a === null || b === null || !(b > 0) ? null : a / b);
  for (const s of scenarios) {
    const bff = s.contenders.find((c) => c.id === 'bff');
    if (!bff) continue;
    for (const id of ['stock', 'hive', 'lean', 'floor', 'naive']) {
      const other = s.contenders.find((c) => c.id === id);
      if (!other) continue;
      lines.push(
        `| ${s.scenario} @ ${s.latencyMs} ms | ${other.label} | ${ratio(div(bff.rps, other.rps))} | ${ratio(div(bff.cpuMsPerRequest, other.cpuMsPerRequest))} | ` +
          `${ratio(div(bff.peakRssMb, other.peakRssMb))} | ${ratio(div(bff.idleRssMb, other.idleRssMb))} | ${ratio(div(bff.p99Ms, other.p99Ms))} |`,
      );
    }
  }
  return lines;
}

const COLORS: Record<string, string> = {
  bff: '#2563eb',
  variant: '#93c5fd',
  naive: '#dc2626',
  stock: '#f59e0b',
  peer: '#db2777',
  floor: '#16a34a',
  lean: '#065f46',
  empty: '#9ca3af',
};
/** Variants told apart: through Apollo, the other executor, more workers. */
const VARIANT_COLORS: [RegExp, string][] = [
  [/^bff-apollo$/, '#60a5fa'],
  [/^bff-\d+w$/, '#7c3aed'],
  [/^bff-/, '#bfdbfe'],
];

function colorOf(c: Pick<ContenderResult, 'id' | 'kind'>): string {
  if (c.kind === 'variant') return VARIANT_COLORS.find(([pattern]) => pattern.test(c.id))?.[1] ?? COLORS.variant!;
  return COLORS[c.kind] ?? '#000';
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * @returns an SVG grouped bar chart: one group per scenario and latency, one bar per
 * contender; req/s above, CPU ms per request below, both on log scales (the contenders span
 * three orders of magnitude), each bar labelled with its value.
 */
export function toSvg(results: BenchResults): string {
  const groups = results.results;
  const ids = [...new Map(groups.flatMap((g) => g.contenders.map((c) => [c.id, c] as const))).values()];
  const bar = 16;
  const gap = 26;
  const groupWidth = ids.length * bar + gap;
  const left = 64;
  const legendLabel = (c: ContenderResult) => c.label.replace(/^bff-(mobile|web)\b/, 'BFF');
  const legendWidth = left + ids.reduce((w, c) => w + 24 + legendLabel(c).length * 6, 0);
  const width = Math.max(left + groups.length * groupWidth + 20, legendWidth);
  const panelHeight = 200;
  const top = 60;
  const panels = [
    { title: 'req/s at saturation (log scale, higher is better)', value: (c: ContenderResult) => c.rps, digits: 0 },
    { title: 'gateway CPU per request, ms (log scale, lower is better)', value: (c: ContenderResult) => c.cpuMsPerRequest, digits: 2 },
  ];
  const height = top + panels.length * (panelHeight + 70) + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${escapeXml(`BFF vs floor — ${results.startedAt} (${results.mode}), ${results.machine.nproc} cores, Node ${results.machine.node}`)}</text>`,
  ];
  // One legend entry per contender id, named without the client (a scenario's BFF is mobile
  // or web), spaced by the length of its text (about 6 px a character at font-size 10).
  let legendX = left;
  ids.forEach((c) => {
    const x = legendX;
    const label = legendLabel(c);
    legendX += 24 + label.length * 6;
    out.push(
      `<rect x="${x}" y="30" width="10" height="10" fill="${colorOf(c)}"/>`,
      `<text x="${x + 14}" y="39">${escapeXml(label)}</text>`,
    );
  });
  panels.forEach((panel, p) => {
    const y0 = top + p * (panelHeight + 70) + 20;
    const values = groups.flatMap((g) => g.contenders.map(panel.value)).filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.ceil(Math.log10(Math.max(...values)));
    const yOf = (v: number) => y0 + panelHeight - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * panelHeight;
    out.push(`<text x="${left}" y="${y0 - 8}" font-size="11" font-weight="bold">${escapeXml(panel.title)}</text>`);
    for (let e = lo; e <= hi; e++) {
      const y = yOf(10 ** e);
      out.push(
        `<line x1="${left}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
        `<text x="${left - 6}" y="${y + 3}" text-anchor="end">${fmt(10 ** e, e < 0 ? -e : 0)}</text>`,
      );
    }
    groups.forEach((g, gi) => {
      const gx = left + gi * groupWidth + gap / 2;
      ids.forEach((id, i) => {
        const c = g.contenders.find((x) => x.id === id.id);
        if (!c) return;
        const v = panel.value(c);
        if (!(v > 0)) return;
        const y = yOf(v);
        const x = gx + i * bar;
        out.push(
          `<rect x="${x}" y="${y}" width="${bar - 2}" height="${y0 + panelHeight - y}" fill="${colorOf(c)}"><title>${escapeXml(`${c.label}: ${fmt(v, panel.digits)}`)}</title></rect>`,
          `<text x="${x + bar / 2 - 1}" y="${y - 3}" font-size="7" text-anchor="start" transform="rotate(-90 ${x + bar / 2 - 1} ${y - 3})">${fmt(v, v < 10 ? panel.digits : 0)}</text>`,
        );
      });
      out.push(
        `<text x="${gx + (ids.length * bar) / 2}" y="${y0 + panelHeight + 14}" text-anchor="middle">${escapeXml(g.scenario)}</text>`,
      );
      out.push(
        `<text x="${gx + (ids.length * bar) / 2}" y="${y0 + panelHeight + 26}" text-anchor="middle" fill="#6b7280">${g.latencyMs} ms</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
