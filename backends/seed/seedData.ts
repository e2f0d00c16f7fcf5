import { createSeed, type SeedData } from './createSeed.js';

export { SEED_NOW_MS } from './createSeed.js';

/**
 * One pristine copy of the seed for tests that compute expected answers. The running backends
 * build their own copy with createSeed() because they mutate it; never mutate this one.
 */
export const seed: SeedData = createSeed();
