/**
 * `npm run contract:impact -- --backend catalog --contract new-catalog.json [--metrics-url http://127.0.0.1:4101/metrics …]`
 *
 * Takes a changed backend contract (an OpenAPI document in JSON for users, catalog and shipping, a .proto
 * for orders and inventory, an SDL file for reviews), compares it with the current one, and lists
 * per BFF the schema fields, loaders and shipped operations that depend on what changed, with the
 * client versions seen selecting those fields (from the BFFs' /metrics on their admin ports, when given).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findBreakingChanges, buildSchema } from 'graphql';
import { catalogOpenApi } from '../backends/catalog/catalogOpenApi.js';
import { REVIEWS_SDL } from '../backends/reviews/createReviewsServer.js';
import { shippingOpenApi } from '../backends/shipping/shippingOpenApi.js';
import { usersOpenApi } from '../backends/users/usersOpenApi.js';
import { mobileContractDependencies } from '../bff-mobile/contractDependencies.js';
import { webContractDependencies } from '../bff-web/contractDependencies.js';
import { contractImpact, diffOpenApi, diffProto, formatImpact, type ContractChange } from '../src/schema/governance/contractImpact.js';
import { parseFieldUsage, type FieldUsageSample } from '../src/schema/governance/reportDeprecatedUsage.js';
import { buildLiveSchema, readShippedOperations } from '../src/schema/governance/schemaFiles.js';

const root = new URL('..', import.meta.url).pathname;
const DEPENDENCIES = { mobile: mobileContractDependencies, web: webContractDependencies };

/** @returns the changes from the backend's current contract to the one in `file`. */
export function changesOf(backend: string, file: string): ContractChange[] {
  switch (backend) {
    case 'catalog':
      return diffOpenApi(catalogOpenApi, JSON.parse(readFileSync(file, 'utf8')));
    case 'users':
      return diffOpenApi(usersOpenApi, JSON.parse(readFileSync(file, 'utf8')));
    case 'shipping':
      return diffOpenApi(shippingOpenApi, JSON.parse(readFileSync(file, 'utf8')));
    case 'orders':
    case 'inventory':
      return diffProto(resolve(root, `protos/${backend}/v1/${backend}.proto`), resolve(file));
    case 'reviews':
      return findBreakingChanges(buildSchema(REVIEWS_SDL), buildSchema(readFileSync(file, 'utf8'))).map((c) => ({
        element: /^(\w+)\.(\w+)/.exec(c.description)?.[0] ?? c.description.split(' ')[0]!,
        change: c.description,
      }));
    default:
      throw new TypeError(`--backend must be catalog, users, shipping, orders, inventory or reviews, got ${backend}`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { backend: { type: 'string' }, contract: { type: 'string' }, 'metrics-url': { type: 'string', multiple: true } },
  });
  if (!values.backend || !values.contract) {
    console.error('usage: npm run contract:impact -- --backend catalog --contract new-catalog.json [--metrics-url URL …]');
    return 2;
  }
  const usage: FieldUsageSample[] = [];
  for (const url of values['metrics-url'] ?? []) usage.push(...parseFieldUsage(await (await fetch(url)).text()));
  const changes = changesOf(values.backend, values.contract);
  const impacts = Object.entries(DEPENDENCIES).map(([bff, dependencies]) =>
    contractImpact({
      bff,
      backend: values.backend!,
      changes,
      schema: buildLiveSchema(root, bff),
      dependencies,
      operations: readShippedOperations(root, bff),
      usage,
    }),
  );
  console.log(formatImpact(values.backend, changes, impacts));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
