/** The OpenAPI 3.0 description of the catalog service, served at GET /openapi.json. */
const error = { $ref: '#/components/responses/Error' };
const productList = (extra: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  required: ['products', ...required],
  properties: { products: { type: 'array', items: { $ref: '#/components/schemas/Product' } }, ...extra },
});

export const catalogOpenApi = {
  openapi: '3.0.3',
  info: { title: 'Demo shop catalog service', version: '1.0.0' },
  paths: {
    '/products': {
      get: {
        operationId: 'listProducts',
        summary: 'With ids: those products (unknown ids left out, at most 500). Without: a page of a category listing.',
        parameters: [
          { name: 'ids', in: 'query', schema: { type: 'string' }, description: 'Comma-separated product ids' },
          { name: 'category', in: 'query', schema: { type: 'string' } },
          {
            name: 'sort',
            in: 'query',
            schema: { type: 'string', enum: ['price_asc', 'price_desc', 'rating_desc', 'newest'], default: 'newest' },
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
        ],
        responses: {
          200: {
            description: 'Products',
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    productList({}, []),
                    productList({ nextCursor: { type: 'string', nullable: true }, total: { type: 'integer' } }, ['nextCursor', 'total']),
                  ],
                },
              },
            },
          },
          400: error,
          401: error,
        },
      },
    },
    '/products/{id}': {
      get: {
        operationId: 'getProduct',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', example: 'p-00001' } }],
        responses: {
          200: { description: 'The product', content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } } },
          401: error,
          404: error,
        },
      },
    },
    '/categories': {
      get: {
        operationId: 'listCategories',
        responses: {
          200: {
            description: 'Categories',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { categories: { type: 'array', items: { $ref: '#/components/schemas/Category' } } } },
              },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Product: {
        type: 'object',
        required: ['id', 'title', 'description', 'price', 'images', 'category', 'rating', 'ratingCount', 'createdAt'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          price: {
            type: 'object',
            required: ['amountCents', 'currency'],
            properties: { amountCents: { type: 'integer' }, currency: { type: 'string', enum: ['EUR'] } },
          },
          images: {
            type: 'object',
            required: ['thumb', 'small', 'medium', 'large', 'original'],
            properties: Object.fromEntries(
              ['thumb', 'small', 'medium', 'large', 'original'].map((k) => [k, { type: 'string', format: 'uri' }]),
            ),
          },
          category: { type: 'string' },
          rating: { type: 'number' },
          ratingCount: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      Category: {
        type: 'object',
        required: ['slug', 'name', 'productCount'],
        properties: { slug: { type: 'string' }, name: { type: 'string' }, productCount: { type: 'integer' } },
      },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
          },
        },
      },
    },
    responses: { Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
  },
};
