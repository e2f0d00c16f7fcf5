import type { BffConfig } from '../../config/loadConfig.js';

/**
 * @returns what a person gets by opening the endpoint in a browser, in the words of the
 * start-up banners (runServer's ready line, `npm start`): true for each mode.
 */
export function explorerNote(config: Pick<BffConfig, 'production' | 'explorer'>): string {
  if (config.production) return 'production: no explorer, introspection off';
  switch (config.explorer) {
    case 'graphiql':
      return 'open in a browser for GraphiQL, served by the BFF (works offline)';
    case 'sandbox':
      return "open in a browser for Apollo Sandbox (loads from Apollo's CDN: needs internet)";
    case 'off':
      return 'no explorer (BFF_EXPLORER=off)';
  }
}
