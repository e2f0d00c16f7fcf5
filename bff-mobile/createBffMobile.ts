import type { BffConfig } from '../src/config/loadConfig.js';
import { buildBffSchema } from '../src/schema/buildBffSchema.js';
import { createServer, type BffServer, type CreateServerOptions } from '../src/server/createServer.js';
import { mobileTrafficClasses } from './trafficClasses.js';
import { mobileResolvers } from './resolvers/mobileResolvers.js';

/** @returns bff-mobile, started but not listening: the mobile schema on the shared kit. */
export function createBffMobile(config: BffConfig, overrides: Partial<CreateServerOptions> = {}): Promise<BffServer> {
  if (config.name !== 'mobile') throw new TypeError(`createBffMobile needs a mobile config, got name=${config.name}`);
  return createServer({ config, schema: buildBffSchema('mobile', mobileResolvers), trafficClasses: mobileTrafficClasses, ...overrides });
}
