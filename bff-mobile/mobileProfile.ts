import { fileURLToPath } from 'node:url';
import type { BffProfile } from '../src/index.js';

/** bff-mobile as the kit sees it: the backends it calls, its SDL, its manifest, its defaults. */
export const mobileProfile: BffProfile = {
  name: 'mobile',
  defaultPort: 4001,
  backends: ['users', 'catalog', 'orders', 'inventory', 'reviews'],
  // Relative to this file, so a dist/ build (which copies schema/ and operations/) finds them too.
  schemaDirs: [fileURLToPath(new URL('../schema/common/', import.meta.url)), fileURLToPath(new URL('../schema/mobile/', import.meta.url))],
  manifestFile: fileURLToPath(new URL('./operations/manifest.json', import.meta.url)),
  // A phone's operations are small: a deep or costly one is a bug or an attack.
  operationLimits: { depth: 8, cost: 200 },
  // The app store ships known operations only: in production nothing else runs.
  productionSafelist: 'enforce',
};
