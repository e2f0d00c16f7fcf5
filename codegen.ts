import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen` (with the backend types): resolver types of each BFF from its SDL, with
 * mappers to the shapes its resolvers return, so that a resolver returning the wrong shape
 * fails `tsc`, and typed documents of each client's operation files (see operationsFor).
 * Output is committed; test/schema/codegen.test.ts checks it is current.
 */
const resolverConfig = (mappers: Record<string, string>) => ({
  useTypeImports: true,
  contextType: '../../src/index.js#BffContext',
  mappers,
  // DateTimeScalar parses inputs to a Date (src/schema/scalars.ts).
  scalars: { DateTime: { input: 'Date', output: 'string | number | Date' } },
  enumsAsTypes: true,
  // Root resolvers are objects of functions; the parent of Query/Mutation fields is unused.
  rootValueType: 'unknown',
});

/**
 * Typed documents of a client's operation files (`bff-<client>/operations/*.graphql`): one
 * `TypedDocumentNode<Result, Variables>` per operation (typescript-operations +
 * typed-document-node), so a test or client that sends one gets the result and variables typed
 * from the schema, and an operation that no longer matches the schema fails codegen.
 */
const operationsFor = (client: 'mobile' | 'web') => ({
  schema: ['schema/common/*.graphql', `schema/${client}/${client}.graphql`],
  documents: [`bff-${client}/operations/*.graphql`],
  plugins: ['typescript-operations', 'typed-document-node'],
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    // What a client receives: DateTime is serialized as an ISO-8601 string (src/schema/scalars.ts).
    scalars: { DateTime: 'string' },
  },
});

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    'bff-mobile/generated/resolvers.ts': {
      schema: ['schema/common/*.graphql', 'schema/mobile/mobile.graphql'],
      plugins: ['typescript', 'typescript-resolvers'],
      config: resolverConfig({
        Home: '{}',
        MobileViewer: '../shaping/mobileShapes.js#MobileViewerShape',
        ProductCard: '../shaping/mobileShapes.js#ProductCardShape',
        ProductScreen: '../shaping/mobileShapes.js#ProductScreenShape',
        OrderRow: '../shaping/mobileShapes.js#OrderRowShape',
        OrderStatusUpdate: '../shaping/mobileShapes.js#OrderStatusUpdateShape',
      }),
    },
    'bff-web/generated/resolvers.ts': {
      schema: ['schema/common/*.graphql', 'schema/web/web.graphql'],
      plugins: ['typescript', 'typescript-resolvers'],
      config: resolverConfig({
        Order: '../shaping/webShapes.js#OrderShape',
        LineItem: '../shaping/webShapes.js#LineItemShape',
        Product: '../shaping/webShapes.js#ProductShape',
        Customer: '../shaping/webShapes.js#CustomerShape',
        Stock: '../../src/index.js#ProductStockDto',
        ReviewSummary: '../../src/index.js#ReviewSummaryDto',
      }),
    },
    'bff-mobile/generated/operations.ts': operationsFor('mobile'),
    'bff-web/generated/operations.ts': operationsFor('web'),
  },
};

export default config;
