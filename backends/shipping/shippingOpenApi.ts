/** The OpenAPI 3.0 description of the shipping service, served at GET /openapi.json. */
const error = { $ref: '#/components/responses/Error' };

/** The most order ids one `GET /shipments` takes (the BFF's declared batch limit is this). */
export const MAX_SHIPMENT_IDS = 100;

export const shippingOpenApi = {
  openapi: '3.0.3',
  info: { title: 'Demo shop shipping service', version: '1.0.0' },
  paths: {
    '/shipments': {
      get: {
        operationId: 'getShipmentsByOrderIds',
        summary: 'The parcels of many orders, by order id; orders without a parcel (not shipped) are left out.',
        parameters: [
          {
            name: 'ids',
            in: 'query',
            required: true,
            description: `Comma-separated order ids, at most ${MAX_SHIPMENT_IDS}`,
            schema: { type: 'string', example: 'o-000001,o-000002' },
          },
        ],
        responses: {
          200: {
            description: 'Shipments',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['shipments'],
                  properties: { shipments: { type: 'array', items: { $ref: '#/components/schemas/Shipment' } } },
                },
              },
            },
          },
          400: error,
          401: error,
        },
      },
    },
  },
  components: {
    schemas: {
      Shipment: {
        type: 'object',
        description: "One order's parcel.",
        required: ['orderId', 'carrier', 'trackingNumber', 'status', 'estimatedDelivery', 'updatedAt'],
        properties: {
          orderId: { type: 'string', example: 'o-000001' },
          carrier: { type: 'string', example: 'DHL' },
          trackingNumber: { type: 'string', example: 'TRK000000001' },
          status: { type: 'string', enum: ['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'returned'] },
          estimatedDelivery: { type: 'string', format: 'date-time', nullable: true, description: 'null once delivered or returned' },
          updatedAt: { type: 'string', format: 'date-time' },
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
              code: { type: 'string', enum: ['NOT_FOUND', 'BAD_REQUEST', 'UNAUTHENTICATED', 'INTERNAL'] },
              message: { type: 'string' },
            },
          },
        },
      },
    },
    responses: { Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
  },
};
