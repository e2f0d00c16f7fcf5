/**
 * GraphQL Mesh compose for the `hive` contender: the demo shop's catalog and users (their
 * OpenAPI documents, served at `GET /openapi.json`) and orders and inventory (their protos)
 * as one supergraph, printed on stdout. bench/hive/main.ts runs it as a child process at
 * start-up (the backends' addresses are only known then) and serves what it prints; the
 * composition's libraries never load into the gateway's process.
 *
 * Environment: CATALOG_URL, USERS_URL, ORDERS_ADDR, INVENTORY_ADDR (as a BFF reads them).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPrefixTransform, getComposedSchemaFromConfig } from '@graphql-mesh/compose-cli';
import { DefaultLogger } from '@graphql-mesh/utils';
import { loadGrpcSubgraph } from '@omnigraph/grpc';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new TypeError(`${name} is required`);
  return value;
};

/** The repository's protos/, found upwards from this file (source or compiled tree). */
function protoDir(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const candidate = fileURLToPath(new URL('protos/', dir));
    if (existsSync(candidate)) return candidate;
    if (fileURLToPath(dir) === '/') throw new Error('protos/ not found');
  }
}

const protos = protoDir();
const catalogUrl = need('CATALOG_URL');
const usersUrl = need('USERS_URL');
// The two OpenAPI documents share component names (Error, …): each source's types get a prefix.
const sdl = await getComposedSchemaFromConfig(
  {
    subgraphs: [
      {
        sourceHandler: loadOpenAPISubgraph('catalog', { source: `${catalogUrl}/openapi.json`, endpoint: catalogUrl }),
        transforms: [createPrefixTransform({ value: 'Catalog_' })],
      },
      {
        sourceHandler: loadOpenAPISubgraph('users', { source: `${usersUrl}/openapi.json`, endpoint: usersUrl }),
        transforms: [createPrefixTransform({ value: 'Users_' })],
      },
      {
        sourceHandler: loadGrpcSubgraph('orders', {
          endpoint: need('ORDERS_ADDR'),
          source: { file: `${protos}orders/v1/orders.proto`, load: { includeDirs: [protos] } },
        }),
      },
      {
        // BatchGetStock reads: a Query field (Mesh makes only Get*/List* methods queries by default).
        sourceHandler: loadGrpcSubgraph('inventory', {
          endpoint: need('INVENTORY_ADDR'),
          source: { file: `${protos}inventory/v1/inventory.proto`, load: { includeDirs: [protos] } },
          selectQueryOrMutationField: [{ fieldName: '*BatchGetStock', type: 'Query' }],
        }),
      },
    ],
  },
  new DefaultLogger('compose'),
);
process.stdout.write(sdl);
