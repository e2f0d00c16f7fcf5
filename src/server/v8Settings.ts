import { setFlagsFromString } from 'node:v8';
import type { BffConfig } from '../config/loadConfig.js';

/** The V8 flag that `pretenuring: false` sets. */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Applies the V8 settings of the configuration to this process, once at start-up, before the
 * server takes its first request (every entry point calls it right after `loadConfig`; cluster
 * workers too, each in its own process). V8 reads the flag at run time, so setting it here
 * works like passing it on the command line (`NODE_OPTIONS` does not accept it).
 *
 * Why pretenuring is off by default: V8 watches, per allocation site (an object or array
 * literal in the code), how many of its objects survive a young collection, and once nearly all
 * of them do it allocates that site's objects in the old generation from then on. Under a load
 * burst a request's objects do survive (dozens of requests in flight across several young
 * collections), so sites of the per-request code get that decision. V8 only takes it back when
 * a full collection finds less than a tenth of the old generation alive, which never happens
 * in a BFF: most of its old generation is code, the schema and the compiled operations. So one
 * burst leaves every later request putting those objects straight into the old generation.
 * Measured (`docs/performance.md`, "Latency"): at a steady 85 req/s after a 3 s burst, the web
 * BFF's 50-order page ran 6–7 full collections per 12 s instead of 1–2, its old generation
 * filling at ~50 MB/s instead of ~16, and each full collection is a burst of slow requests.
 *
 * @param setFlags how flags are set (a test passes its own)
 * @returns the flags it set
 */
export function applyV8Settings(config: Pick<BffConfig, 'pretenuring'>, setFlags: (flags: string) => void = setFlagsFromString): string[] {
  const flags = config.pretenuring ? [] : [NO_PRETENURING_FLAG];
  for (const flag of flags) setFlags(flag);
  return flags;
}
