import { fileURLToPath } from 'node:url';
import type { BffProfile } from '../src/index.js';

/** bff-web as the kit sees it: the backends it calls, its SDL, its manifest, its defaults. */
export const webProfile: BffProfile = {
  name: 'web',
  defaultPort: 4002,
  backends: ['users', 'catalog', 'orders', 'inventory', 'reviews', 'shipping'],
  // Relative to this file, so a dist/ build (which copies schema/ and operations/) finds them too.
  schemaDirs: [fileURLToPath(new URL('../schema/common/', import.meta.url)), fileURLToPath(new URL('../schema/web/', import.meta.url))],
  manifestFile: fileURLToPath(new URL('./operations/manifest.json', import.meta.url)),
  // The dashboard's tables are big (the kit's defaults: depth 10, cost 10000), and it deploys
  // with its BFF, so its safelist stays off unless SAFELIST_MODE says otherwise.
};
