import { buildBffSchema, createServer, type BffConfig, type BffServer, type CreateServerOptions } from '../src/index.js';
import { mobileTrafficClasses } from './trafficClasses.js';
import { mobileProfile } from './mobileProfile.js';
import { mobileLookAheads, mobileResolvers } from './resolvers/mobileResolvers.js';

/** @returns bff-mobile, started but not listening: the mobile schema on the shared kit. */
export function createBffMobile(config: BffConfig, overrides: Partial<CreateServerOptions> = {}): Promise<BffServer> {
  if (config.name !== mobileProfile.name)
    throw new TypeError(`createBffMobile needs a mobile config (loadConfig(mobileProfile)), got name=${config.name}`);
  return createServer({
    config,
    schema: buildBffSchema(mobileProfile.schemaDirs, mobileResolvers, Object.values(mobileLookAheads)),
    trafficClasses: mobileTrafficClasses,
    ...overrides,
  });
}
