import { buildBffSchema, createServer, type BffConfig, type BffServer, type CreateServerOptions } from '../src/index.js';
import { webTrafficClasses } from './trafficClasses.js';
import { webProfile } from './webProfile.js';
import { webLookAheads, webResolvers } from './resolvers/webResolvers.js';

/**
 * @returns bff-web, started but not listening: the dashboard schema on the shared kit, and the
 * browser's token handler (the dashboard signs in through /auth/login and holds no token).
 */
export function createBffWeb(config: BffConfig, overrides: Partial<CreateServerOptions> = {}): Promise<BffServer> {
  if (config.name !== webProfile.name)
    throw new TypeError(`createBffWeb needs a web config (loadConfig(webProfile)), got name=${config.name}`);
  return createServer({
    config,
    schema: buildBffSchema(webProfile.schemaDirs, webResolvers, Object.values(webLookAheads)),
    tokenHandler: true,
    trafficClasses: webTrafficClasses,
    ...overrides,
  });
}
