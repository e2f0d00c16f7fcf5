import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { trace } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BffConfig } from '../config/loadConfig.js';
import type { FanoutCall } from '../context/FanoutRecorder.js';
import { createBackends, type Backends } from '../datasources/createBackends.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import type { Logger } from '../observability/createLogger.js';
import { assignVariant, unitOf, matches, type AssignmentReason, type RouteSubject } from './assignVariant.js';
import { CanaryMonitor, type CanaryVerdict } from './CanaryMonitor.js';
import { parseRoutingRules, type Experiment, type RoutingRules } from './routingRules.js';

/** Staff (or a holder of a test key) choose variants with it: `x-bff-variant: catalog-v2=v2, mobile-featured-ranking=newest`. */
export const OVERRIDE_HEADER = 'x-bff-variant';
/** A test key (ROUTING_TEST_KEYS) that allows the override header without a staff token. */
export const TEST_KEY_HEADER = 'x-bff-test-key';

/** The routing of one request: one variant per experiment, and the backend clients it calls. */
export interface RouteDecision {
  /** Experiment → variant: what `extensions.fanout.routing`, the access log and the trace show. */
  readonly assignments: Readonly<Record<string, string>>;
  /** Experiment → how its variant was chosen. */
  readonly reasons: Readonly<Record<string, AssignmentReason>>;
  /** Backend → variant, for the backends an experiment routes: each of their calls is labelled with it. */
  readonly backendVariants: Readonly<Record<string, string>> | undefined;
  /** The backend clients of this request: the variants' instances in place of the routed backends. */
  readonly backends: Backends;
}

export interface RouterOptions {
  bff: string;
  /** The rules file (JSON, see routingRules.ts). */
  rulesFile: string;
  /** Keys that may use the override header (`x-bff-test-key`); none by default. */
  testKeys?: readonly string[];
  /** The process's backend clients: the baseline instances. */
  backends: Backends;
  /** Builds the clients of a variant's instance (its address put in this configuration). */
  config: BffConfig;
  log: Logger;
  /** Reload when the file (or its directory: a Kubernetes ConfigMap swaps a symlink) changes. Default true. */
  watch?: boolean;
  /** Reload on SIGHUP. Default true. */
  sighup?: boolean;
}

export interface Router {
  /**
   * @returns the request's routing.
   * @throws nothing: a refused override comes back as a BffError (FORBIDDEN for a customer,
   * BAD_REQUEST for an unknown experiment or variant) for the caller to answer with.
   */
  route(subject: RouteSubject): RouteDecision | BffError;
  /** Feeds the finished request's backend calls to the canary analysis and the metrics. */
  observe(decision: RouteDecision, calls: readonly FanoutCall[]): void;
  /** Re-reads the file. @returns whether new rules are in force (false: the old ones are kept). */
  reload(trigger: 'sighup' | 'file' | 'manual'): boolean;
  /** The readiness detail: rules in force, and any canary rolled back. Never makes the process unready. */
  readiness(): { ok: true; detail: string };
  /** The rules in force. */
  readonly rules: RoutingRules;
  register(registry: Registry): void;
  close(): Promise<void>;
}

interface Compiled {
  rules: RoutingRules;
  experiments: Experiment[];
  canaries: Map<string, CanaryMonitor>;
  staff: RoutingRules['staff'];
}

/** Backend calls whose error is the backend's fault count against a canary; a NOT_FOUND does not. */
const failed = (call: FanoutCall) => call.error !== undefined && (call.error.startsWith('UPSTREAM_') || call.error === 'OUTCOME_UNKNOWN');

/**
 * Builds the router of one BFF process from its rules file: which variant of each experiment
 * a request gets (segments, then a sticky split over a hash of the user or device id), which
 * backend instances it calls, and the canary analysis that rolls a failing instance back.
 * Rules are reloaded on SIGHUP and on a change of the file; an invalid file is logged and the
 * last good rules stay in force.
 *
 * @throws TypeError naming the file and what is wrong when the file is missing or invalid at start.
 */
export function createRouter(options: RouterOptions): Router {
  const { bff, log, config } = options;
  const file = resolve(options.rulesFile);
  const testKeys = (options.testKeys ?? []).map((key) => createHash('sha256').update(key).digest());
  // One set of clients per (backend, address), kept until close: in-flight requests of the
  // previous rules may still use them after a reload.
  const instances = new Map<string, Backends>();
  const views = new Map<string, Backends>();
  let metrics: ReturnType<typeof createRoutingMetrics> | undefined;
  let lastText = '';

  const instanceOf = (backend: keyof BffConfig['backends'], address: string): Backends => {
    const key = `${backend}|${address}`;
    let made = instances.get(key);
    if (!made) {
      made = createBackends({ ...config, backends: { ...config.backends, [backend]: { ...config.backends[backend], address } } });
      instances.set(key, made);
    }
    return made;
  };

  const compile = (rules: RoutingRules): Compiled => {
    const experiments = rules.experiments.filter((e) => e.bffs === undefined || e.bffs.includes(bff));
    const canaries = new Map<string, CanaryMonitor>();
    for (const e of experiments) {
      if (!e.canary || !e.backend) continue;
      const monitor = new CanaryMonitor(e.backend, e.variants[0]!.name, e.canary.variant, e.canary, (verdict) => {
        log.warn(
          { experiment: e.name, backend: e.backend, variant: e.canary!.variant, reason: verdict.reason },
          'canary rolled back: its users are served by the baseline',
        );
        metrics?.canaryServing.set({ experiment: e.name, backend: e.backend!, variant: e.canary!.variant }, 0);
      });
      canaries.set(e.name, monitor);
      metrics?.canaryServing.set({ experiment: e.name, backend: e.backend, variant: e.canary.variant }, 1);
    }
    // Address typos fail here, at load, not on a customer's request.
    for (const e of experiments) {
      for (const v of e.variants) if (e.backend && v.address) instanceOf(e.backend, v.address);
    }
    return { rules, experiments, canaries, staff: rules.staff };
  };

  const read = (): { text: string; compiled: Compiled } => {
    const text = readFileSync(file, 'utf8');
    return { text, compiled: compile(parseRoutingRules(text, file)) };
  };

  const first = read();
  let current = first.compiled;
  lastText = first.text;
  log.info({ file, experiments: current.experiments.map((e) => e.name) }, 'routing rules loaded');

  const reload = (trigger: 'sighup' | 'file' | 'manual'): boolean => {
    let next: { text: string; compiled: Compiled };
    try {
      const text = readFileSync(file, 'utf8');
      // A watcher fires several times per write; SIGHUP always applies (it also ends a rollback).
      if (trigger === 'file' && text === lastText) return false;
      next = { text, compiled: compile(parseRoutingRules(text, file)) };
    } catch (error) {
      metrics?.reloads.inc({ result: 'invalid' });
      log.error({ file, trigger, err: error }, 'routing rules not reloaded: the file is invalid; the last good rules stay in force');
      return false;
    }
    current = next.compiled;
    lastText = next.text;
    metrics?.reloads.inc({ result: 'ok' });
    log.info({ file, trigger, experiments: current.experiments.map((e) => e.name) }, 'routing rules reloaded');
    return true;
  };

  const viewOf = (experiments: Experiment[], assignments: Record<string, string>): Backends => {
    const parts: string[] = [];
    const chosen: Array<[keyof BffConfig['backends'], string]> = [];
    for (const e of experiments) {
      if (!e.backend) continue;
      const variant = e.variants.find((v) => v.name === assignments[e.name])!;
      if (variant.address === undefined) continue;
      parts.push(`${e.backend}=${variant.address}`);
      chosen.push([e.backend, variant.address]);
    }
    if (parts.length === 0) return options.backends;
    const key = parts.join('&');
    let view = views.get(key);
    if (!view) {
      const swapped: Record<string, unknown> = {};
      for (const [backend, address] of chosen) swapped[backend] = instanceOf(backend, address)[backend];
      view = { ...options.backends, ...swapped } as Backends;
      views.set(key, view);
    }
    return view;
  };

  const allowedToOverride = (subject: RouteSubject, staff: Compiled['staff']): boolean => {
    if (staff.some((m) => matches(m, subject))) return true;
    const key = subject.headers[TEST_KEY_HEADER];
    if (typeof key !== 'string' || testKeys.length === 0) return false;
    const digest = createHash('sha256').update(key).digest();
    return testKeys.some((k) => timingSafeEqual(k, digest));
  };

  const parseOverride = (header: string, experiments: Experiment[]): Map<string, string> | BffError => {
    const chosen = new Map<string, string>();
    for (const part of header.split(',')) {
      const [name, variant, extra] = part.split('=').map((s) => s.trim());
      const experiment = experiments.find((e) => e.name === name);
      if (extra !== undefined || !experiment || !experiment.variants.some((v) => v.name === variant)) {
        return BffError.request(
          ErrorCode.BAD_REQUEST,
          `${OVERRIDE_HEADER}: "${part.trim()}" names no experiment and variant of this BFF (expected experiment=variant, comma-separated).`,
          { reason: 'unknown_variant' },
        );
      }
      chosen.set(name!, variant!);
    }
    return chosen;
  };

  const route = (subject: RouteSubject): RouteDecision | BffError => {
    const compiled = current;
    let overrides: Map<string, string> | undefined;
    const header = subject.headers[OVERRIDE_HEADER];
    if (header !== undefined) {
      if (!allowedToOverride(subject, compiled.staff)) {
        return BffError.request(ErrorCode.FORBIDDEN, `Only staff or a test key may choose a variant (${OVERRIDE_HEADER}).`, {
          reason: 'variant_override_not_allowed',
        });
      }
      const parsed = parseOverride(Array.isArray(header) ? header.join(',') : header, compiled.experiments);
      if (parsed instanceof BffError) return parsed;
      overrides = parsed;
    }
    const unit = unitOf(subject);
    const assignments: Record<string, string> = {};
    const reasons: Record<string, AssignmentReason> = {};
    let backendVariants: Record<string, string> | undefined;
    for (const e of compiled.experiments) {
      const forced = overrides?.get(e.name);
      let { variant, reason } = forced !== undefined ? { variant: forced, reason: 'override' as const } : assignVariant(e, subject, unit);
      const canary = compiled.canaries.get(e.name);
      if (canary && variant === canary.canaryVariant && canary.state.state === 'rolled_back') {
        variant = canary.baselineVariant;
        reason = 'rolled_back';
      }
      assignments[e.name] = variant;
      reasons[e.name] = reason;
      if (e.backend) (backendVariants ??= {})[e.backend] = variant;
      metrics?.assignments.inc({ experiment: e.name, variant });
    }
    const span = trace.getActiveSpan();
    if (span) for (const [experiment, variant] of Object.entries(assignments)) span.setAttribute(`bff.routing.${experiment}`, variant);
    return { assignments, reasons, backendVariants, backends: viewOf(compiled.experiments, assignments) };
  };

  const observe = (decision: RouteDecision, calls: readonly FanoutCall[]): void => {
    if (decision.backendVariants === undefined) return;
    const compiled = current;
    for (const call of calls) {
      if (call.variant === undefined) continue;
      const bad = failed(call);
      metrics?.calls.inc({ backend: call.backend, variant: call.variant, outcome: bad ? 'error' : 'ok' });
      metrics?.latency.observe({ backend: call.backend, variant: call.variant }, call.ms / 1000);
      for (const canary of compiled.canaries.values()) {
        if (canary.backend === call.backend) canary.observe(call.variant, call.ms, bad);
      }
    }
  };

  const readiness = (): { ok: true; detail: string } => {
    const notes: string[] = [`rules ${basename(file)}: ${current.experiments.map((e) => e.name).join(', ') || 'no experiments'}`];
    for (const [name, canary] of current.canaries) {
      const v: CanaryVerdict = canary.state;
      notes.push(
        v.state === 'rolled_back'
          ? `canary ${name} (${canary.backend} ${canary.canaryVariant}) ROLLED BACK: ${v.reason}`
          : `canary ${name} (${canary.backend} ${canary.canaryVariant}) serving`,
      );
    }
    return { ok: true, detail: notes.join('; ') };
  };

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (options.watch ?? true) {
    // The directory, not the file: editors and ConfigMaps replace the file (a new inode) rather than write it.
    watcher = watch(dirname(file), { persistent: false }, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => reload('file'), 100);
      debounce.unref();
    });
    watcher.on('error', (error) => log.warn({ err: error, file }, 'routing rules: watching the file failed; SIGHUP still reloads'));
  }
  const onSighup = () => reload('sighup');
  if (options.sighup ?? true) process.on('SIGHUP', onSighup);

  return {
    route,
    observe,
    reload,
    readiness,
    get rules() {
      return current.rules;
    },
    register(registry) {
      metrics = createRoutingMetrics(registry);
      for (const [name, canary] of current.canaries) {
        metrics.canaryServing.set(
          { experiment: name, backend: canary.backend, variant: canary.canaryVariant },
          canary.state.state === 'serving' ? 1 : 0,
        );
      }
    },
    async close() {
      watcher?.close();
      clearTimeout(debounce);
      process.off('SIGHUP', onSighup);
      await Promise.allSettled([...instances.values()].map((b) => b.close()));
    },
  };
}

function createRoutingMetrics(registry: Registry) {
  const registers = [registry];
  return {
    assignments: new Counter({
      name: 'bff_routing_assignments_total',
      help: 'Requests per experiment and variant.',
      labelNames: ['experiment', 'variant'],
      registers,
    }),
    calls: new Counter({
      name: 'bff_routing_backend_calls_total',
      help: 'Backend calls of routed backends, per variant and outcome (error: an UPSTREAM_* failure).',
      labelNames: ['backend', 'variant', 'outcome'],
      registers,
    }),
    latency: new Histogram({
      name: 'bff_routing_backend_call_duration_seconds',
      help: 'Duration of backend calls of routed backends, per variant.',
      labelNames: ['backend', 'variant'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    canaryServing: new Gauge({
      name: 'bff_routing_canary_serving',
      help: '1 while a canary variant gets traffic, 0 once it was rolled back.',
      labelNames: ['experiment', 'backend', 'variant'],
      registers,
    }),
    reloads: new Counter({
      name: 'bff_routing_reloads_total',
      help: 'Reloads of the routing rules: ok, or invalid (the last good rules kept).',
      labelNames: ['result'],
      registers,
    }),
  };
}
