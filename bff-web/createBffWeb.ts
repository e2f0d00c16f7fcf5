import type { BffConfig } from '../src/config/loadConfig.js';
import { buildBffSchema } from '../src/schema/buildBffSchema.js';
import { createServer, type BffServer, type CreateServerOptions } from '../src/server/createServer.js';
import { webTrafficClasses } from './trafficClasses.js';
import { webResolvers } from './resolvers/webResolvers.js';

/**
 * @returns bff-web, started but not listening: the dashboard schema on the shared kit, and the
 * browser's token handler (the dashboard signs in through /auth/login and holds no token).
 */
export function createBffWeb(config: BffConfig, overrides: Partial<CreateServerOptions> = {}): Promise<BffServer> {
  if (config.name !== 'web') throw new TypeError(`createBffWeb needs a web config, got name=${config.name}`);
  return createServer({ config, schema: buildBffSchema('web', webResolvers), tokenHandler: true, trafficClasses: webTrafficClasses, ...overrides });
}
