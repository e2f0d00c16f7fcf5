import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen` (with the backend types): resolver types of each BFF from its SDL, with
 * mappers to the shapes its resolvers return, so that a resolver returning the wrong shape
 * fails `tsc`. Output is committed; test/schema/codegen.test.ts checks it is current.
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
  },
};

export default config;
