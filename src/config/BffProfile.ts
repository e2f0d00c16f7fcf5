import type { BackendName } from './backends.js';
import type { BffConfig } from './loadConfig.js';

/** The shape of a BFF's name (BffProfile.name): what API keys' `bffs` and routing rules' `bffs` name it by. */
export const BFF_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * What a BFF tells the kit about itself: the kit names no client, so each `bff-<name>/`
 * passes its choices in (loadConfig, buildBffSchema, createServer read them from here).
 */
export interface BffProfile {
  /** The BFF's name (BFF_NAME): the client name it signs towards backends, `bff-<name>` in logs and metrics. */
  readonly name: string;
  /** BFF_PORT when unset. */
  readonly defaultPort: number;
  /**
   * The backends its resolvers call (declared in src/config/backends.ts). Only these are
   * configured, built and shown in `/dependencies`; calling another is a TypeError.
   */
  readonly backends: readonly BackendName[];
  /** Its SDL: folders of `.graphql` files, loaded in this order (shared folders first). */
  readonly schemaDirs: readonly string[];
  /** Its persisted-operation manifest (`npm run safelist` writes it): the safelist and the fast path's operations. */
  readonly manifestFile: string;
  /** Defaults of its operation limits (LIMIT_* settings still override them); unset: the kit's. */
  readonly operationLimits?: Partial<BffConfig['operationLimits']>;
  /** SAFELIST_MODE in production when unset; default `off` (elsewhere always `off`). */
  readonly productionSafelist?: 'off' | 'log' | 'enforce';
}
