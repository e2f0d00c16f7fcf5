export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of the calls in the window. Default 0.1 (Finagle and Envoy use 0.1–0.2). */
  ratio?: number;
  /** Retries always allowed per window, so a backend with little traffic can still be retried. Default 3. */
  minPerWindow?: number;
  /** Length of the sliding window. Default 10 s. */
  windowMs?: number;
  /** The clock (ms). Default performance.now. */
  now?: () => number;
}

/**
 * A retry budget for one backend (Finagle's RetryBudget, Envoy's retry_budget): retries may be at
 * most `ratio` of the calls over a sliding window, plus a small floor. Per-call retry limits alone
 * multiply load exactly when a backend struggles: with one retry per call, a backend failing half
 * its calls gets a third more calls than its clients make. With a budget, a failing backend sees
 * at most `1 + ratio` times the calls.
 *
 * The window is ten buckets; a bucket older than the window is dropped when it is next touched,
 * so the budget needs no timer.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerWindow: number;
  private readonly bucketMs: number;
  private readonly now: () => number;
  private readonly calls = new Array<number>(10).fill(0);
  private readonly retries = new Array<number>(10).fill(0);
  private bucket: number;

  /** @throws TypeError when the ratio is not in [0, 1] or the window is not positive. */
  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.1;
    this.minPerWindow = options.minPerWindow ?? 3;
    const windowMs = options.windowMs ?? 10_000;
    if (!(this.ratio >= 0 && this.ratio <= 1)) throw new TypeError(`RetryBudget: ratio must be in [0, 1], got ${this.ratio}`);
    if (!(windowMs > 0)) throw new TypeError(`RetryBudget: windowMs must be positive, got ${windowMs}`);
    this.bucketMs = windowMs / 10;
    this.now = options.now ?? (() => performance.now());
    this.bucket = Math.floor(this.now() / this.bucketMs);
  }

  /** Counts one call (its first attempt). */
  recordCall(): void {
    this.calls[this.advance()]!++;
  }

  /** @returns whether a retry may be sent now; if so, it is counted. */
  tryRetry(): boolean {
    const index = this.advance();
    const calls = this.calls.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    if (retries >= this.minPerWindow + this.ratio * calls) return false;
    this.retries[index]!++;
    return true;
  }

  /** Moves to the current bucket, emptying those the window has left behind; @returns its index. */
  private advance(): number {
    const bucket = Math.floor(this.now() / this.bucketMs);
    for (let b = Math.max(this.bucket + 1, bucket - 9); b <= bucket; b++) {
      this.calls[b % 10] = 0;
      this.retries[b % 10] = 0;
    }
    this.bucket = Math.max(this.bucket, bucket);
    return bucket % 10;
  }
}
