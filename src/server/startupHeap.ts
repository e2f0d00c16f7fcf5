import { setFlagsFromString } from 'node:v8';

/** V8's own growth factor of the young generation (each growth doubles a semi-space). */
export const DEFAULT_GROWTH_FACTOR = 2;
const FLAG = '--semi-space-growth-factor';

let held = false;

/**
 * Keeps V8's young generation at its initial size (1 MB semi-spaces) while the process starts.
 *
 * Why: V8 grows the young generation each time as many bytes have survived young collections
 * as it holds, up to 16 MB semi-spaces (32 MB, all of it resident once used). Start-up survives
 * almost everything it allocates (the modules, the schema, the compiled operations: ~30 MB), so
 * a BFF left start-up with the young generation at its maximum and ~25 MB of RSS it did not need
 * while idle, until V8's memory reducer happened to shrink it, seconds or never later
 * (docs/performance.md, "Memory"). Held at its start size, the young generation costs start-up
 * a few more (small) young collections and nothing else; released once the server listens
 * (`releaseYoungGeneration`), it grows under load as before, so throughput and peak memory
 * under load are unchanged.
 *
 * Call it first in an entry point, before the kit is imported (`bff-<client>/main.ts`). Does
 * nothing when the command line sets the growth factor itself (an operator's choice wins).
 *
 * @param setFlags how flags are set (a test passes its own)
 * @returns whether it held the young generation
 */
export function holdYoungGeneration(
  setFlags: (flags: string) => void = setFlagsFromString,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  if (held || execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(FLAG))) return false;
  setFlags(`${FLAG}=1`);
  held = true;
  return true;
}

/**
 * Lets the young generation grow again as V8 does by default (see `holdYoungGeneration`);
 * `runServer` calls it once the server listens. Does nothing when it was not held.
 *
 * @returns whether it released a hold
 */
export function releaseYoungGeneration(setFlags: (flags: string) => void = setFlagsFromString): boolean {
  if (!held) return false;
  setFlags(`${FLAG}=${DEFAULT_GROWTH_FACTOR}`);
  held = false;
  return true;
}
