import type { Protocol } from '../datasources/Protocol.js';

/**
 * One backend, declared once. Everything else follows from it: the address and deadline
 * settings (loadConfig), the client (createBackends, whose table of client factories `tsc`
 * holds to these names), the named loaders' batch limits, the dependency report, the demo
 * harness's port and port variable (backends/startBackends.ts), the test fixtures' addresses
 * and the deploy files (checked by test/operations/topology.test.ts).
 *
 * Plain data on purpose: the demo backends and the tests read it without loading any client.
 */
export interface BackendDeclaration {
  readonly protocol: Protocol;
  /** The setting (environment variable) holding its address, e.g. `USERS_URL`, `ORDERS_ADDR`. */
  readonly setting: string;
  /** The demo service's port: the setting's default is 127.0.0.1 on it (plus `path`). */
  readonly defaultPort: number;
  /** The endpoint's path on that port (`/graphql`); REST clients take a base URL, gRPC none. */
  readonly path?: string;
  /**
   * Its deadline per attempt when `<NAME>_TIMEOUT_MS` is not set; unset: UPSTREAM_TIMEOUT_MS.
   * (The setting is the declaration's key upper-cased: `SHIPPING_TIMEOUT_MS`.)
   */
  readonly timeoutMs?: number;
  /** The most keys one batch call may carry: the `maxBatchSize` of the named loaders over it. */
  readonly maxBatchSize: number;
}

/**
 * The backends the BFFs may call. Each BFF says which of them it uses (BffProfile.backends);
 * only those are configured, built and reported. README, "How to add a backend".
 */
export const BACKENDS = {
  users: { protocol: 'rest', setting: 'USERS_URL', defaultPort: 5001, maxBatchSize: 500 },
  catalog: { protocol: 'rest', setting: 'CATALOG_URL', defaultPort: 5002, maxBatchSize: 500 },
  orders: { protocol: 'grpc', setting: 'ORDERS_ADDR', defaultPort: 5003, maxBatchSize: 200 },
  inventory: { protocol: 'grpc', setting: 'INVENTORY_ADDR', defaultPort: 5004, maxBatchSize: 500 },
  reviews: { protocol: 'graphql', setting: 'REVIEWS_URL', defaultPort: 5005, path: '/graphql', maxBatchSize: 500 },
  // A carrier lookup behind each parcel: slower than the shop's own services, smaller batches.
  shipping: { protocol: 'rest', setting: 'SHIPPING_URL', defaultPort: 5008, timeoutMs: 3_000, maxBatchSize: 100 },
} as const satisfies Record<string, BackendDeclaration>;

export type BackendName = keyof typeof BACKENDS;

/** Every declared backend's name, in declaration order. */
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

/** The setting that overrides one backend's deadline: `SHIPPING_TIMEOUT_MS`. */
export function timeoutSettingOf(name: BackendName): string {
  return `${name.toUpperCase()}_TIMEOUT_MS`;
}

/**
 * @returns how a BFF reaches backend `name` served on `host:port`: `http://host:port[path]`,
 * or `host:port` for gRPC. The one rule for the config defaults, the test fixtures and the
 * deploy-file check.
 */
export function backendAddress(name: BackendName, host: string, port: number): string {
  const declaration: BackendDeclaration = BACKENDS[name];
  return declaration.protocol === 'grpc' ? `${host}:${port}` : `http://${host}:${port}${declaration.path ?? ''}`;
}

/**
 * @returns `names` checked against the declarations, in the order given.
 * @throws TypeError naming an unknown or repeated backend (a BFF profile's typo fails at start).
 */
export function checkBackendNames(names: readonly string[]): BackendName[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (!Object.hasOwn(BACKENDS, name))
      throw new TypeError(`unknown backend "${name}": declared are ${BACKEND_NAMES.join(', ')} (src/config/backends.ts)`);
    if (seen.has(name)) throw new TypeError(`backend "${name}" is listed twice`);
    seen.add(name);
  }
  return names as BackendName[];
}
