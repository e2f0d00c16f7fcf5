/** The OpenAPI 3.0 description of the users service, served at GET /openapi.json. */
const error = { $ref: '#/components/responses/Error' };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', example: 'u-00001' } };

export const usersOpenApi = {
  openapi: '3.0.3',
  info: { title: 'Demo shop users service', version: '1.0.0' },
  paths: {
    '/users': {
      get: {
        operationId: 'getUsersByIds',
        summary: 'Many users by id; unknown ids are left out.',
        parameters: [{ name: 'ids', in: 'query', required: true, description: 'Comma-separated, at most 500', schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'Users',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['users'],
                  properties: { users: { type: 'array', items: { $ref: '#/components/schemas/User' } } },
                },
              },
            },
          },
          400: error,
          401: error,
        },
      },
    },
    '/users/{id}': {
      get: {
        operationId: 'getUser',
        parameters: [id],
        responses: {
          200: { description: 'The user', content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          401: error,
          404: error,
        },
      },
      patch: {
        operationId: 'updateUser',
        summary: "Updates the caller's own profile (x-bff-user-id must equal id).",
        parameters: [id],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UserPatch' } } } },
        responses: {
          200: { description: 'The updated user', content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          400: error,
          401: error,
          403: error,
          404: error,
          422: error,
        },
      },
    },
  },
  components: {
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'name', 'email', 'phone', 'avatarUrl', 'tier', 'createdAt', 'address'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          email: { type: 'string', format: 'email' },
          phone: { type: 'string' },
          avatarUrl: { type: 'string', format: 'uri' },
          tier: { type: 'string', enum: ['standard', 'gold', 'platinum'] },
          createdAt: { type: 'string', format: 'date-time' },
          address: {
            type: 'object',
            required: ['line1', 'city', 'postcode', 'country'],
            properties: { line1: { type: 'string' }, city: { type: 'string' }, postcode: { type: 'string' }, country: { type: 'string' } },
          },
        },
      },
      UserPatch: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          email: { type: 'string', format: 'email', maxLength: 254 },
          phone: { type: 'string', pattern: '^\\+?[0-9][0-9 ()-]{5,19}$' },
        },
      },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: ['NOT_FOUND', 'VALIDATION', 'FORBIDDEN', 'BAD_REQUEST', 'UNAUTHENTICATED', 'INTERNAL'] },
              message: { type: 'string' },
              field: { type: 'string' },
            },
          },
        },
      },
    },
    responses: { Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
  },
};
