/** What the canary analysis settles on, with the numbers that decided it. */
export interface CanaryVerdict {
  state: 'serving' | 'rolled_back';
  /** Why it was rolled back (`error rate 100.0 % vs baseline 0.0 % over 20 calls`). */
  reason?: string;
  /** Epoch ms of the rollback. */
  since?: number;
}

export interface CanarySettings {
  windowSeconds: number;
  minCalls: number;
  maxErrorRateIncrease: number;
  maxLatencyRatio: number;
  latencySlackMs: number;
}

const SLICES = 10;

/** Calls, errors and summed latency of one variant, in SLICES time slices covering the window. */
class Window {
  private readonly calls = new Array<number>(SLICES).fill(0);
  private readonly errors = new Array<number>(SLICES).fill(0);
  private readonly ms = new Array<number>(SLICES).fill(0);
  private readonly sliceOf = new Array<number>(SLICES).fill(-1);

  constructor(private readonly sliceMs: number) {}

  private slot(now: number): number {
    const slice = Math.floor(now / this.sliceMs);
    const i = slice % SLICES;
    if (this.sliceOf[i] !== slice) {
      this.sliceOf[i] = slice;
      this.calls[i] = 0;
      this.errors[i] = 0;
      this.ms[i] = 0;
    }
    return i;
  }

  add(ms: number, failed: boolean, now: number): void {
    const i = this.slot(now);
    this.calls[i]! += 1;
    this.ms[i]! += ms;
    if (failed) this.errors[i]! += 1;
  }

  totals(now: number): { calls: number; errors: number; meanMs: number } {
    const current = Math.floor(now / this.sliceMs);
    let calls = 0;
    let errors = 0;
    let ms = 0;
    for (let i = 0; i < SLICES; i++) {
      if (this.sliceOf[i]! <= current - SLICES) continue;
      calls += this.calls[i]!;
      errors += this.errors[i]!;
      ms += this.ms[i]!;
    }
    return { calls, errors, meanMs: calls === 0 ? 0 : ms / calls };
  }
}

const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

/**
 * Compares a canary variant's backend calls with the baseline's over a sliding window and,
 * past the thresholds, rolls the canary back: from then on the router sends its users to the
 * baseline, until the rules are reloaded (an operator decision, not a timer: a canary that
 * failed once is not retried on its own). In the spirit of Kayenta's analysis, but inside the
 * BFF, on what each replica sees.
 */
export class CanaryMonitor {
  private readonly baseline: Window;
  private readonly canary: Window;
  private verdict: CanaryVerdict = { state: 'serving' };

  constructor(
    readonly backend: string,
    readonly baselineVariant: string,
    readonly canaryVariant: string,
    private readonly settings: CanarySettings,
    private readonly onRollback: (verdict: CanaryVerdict) => void,
  ) {
    const sliceMs = (settings.windowSeconds * 1000) / SLICES;
    this.baseline = new Window(sliceMs);
    this.canary = new Window(sliceMs);
  }

  get state(): CanaryVerdict {
    return this.verdict;
  }

  /** Counts one backend call of either variant; judges the canary after each of its calls. */
  observe(variant: string, ms: number, failed: boolean, now = Date.now()): void {
    if (variant === this.baselineVariant) this.baseline.add(ms, failed, now);
    else if (variant === this.canaryVariant) {
      this.canary.add(ms, failed, now);
      if (this.verdict.state === 'serving') this.judge(now);
    }
  }

  private judge(now: number): void {
    const c = this.canary.totals(now);
    if (c.calls < this.settings.minCalls) return;
    const b = this.baseline.totals(now);
    const canaryRate = c.errors / c.calls;
    const baselineRate = b.calls === 0 ? 0 : b.errors / b.calls;
    let reason: string | undefined;
    if (canaryRate - baselineRate > this.settings.maxErrorRateIncrease) {
      reason = `error rate ${pct(canaryRate)} vs baseline ${pct(baselineRate)} over ${c.calls} calls (max +${pct(this.settings.maxErrorRateIncrease)})`;
    } else if (b.calls >= this.settings.minCalls && c.meanMs > b.meanMs * this.settings.maxLatencyRatio + this.settings.latencySlackMs) {
      // Latency needs a baseline to compare with: without enough baseline calls, errors alone decide.
      reason = `mean latency ${c.meanMs.toFixed(1)} ms vs baseline ${b.meanMs.toFixed(1)} ms over ${c.calls} calls (max ×${this.settings.maxLatencyRatio} + ${this.settings.latencySlackMs} ms)`;
    }
    if (reason === undefined) return;
    this.verdict = { state: 'rolled_back', reason, since: now };
    this.onRollback(this.verdict);
  }
}
