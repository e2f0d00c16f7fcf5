import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';

/**
 * The one set of loader options, shared with the BFF: camelCase fields, int64 as JS numbers,
 * enums as their string names, defaults filled in, and a virtual field naming the set oneof.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

export const PROTOS_DIR = fileURLToPath(new URL('../../protos/', import.meta.url));

export interface ShopServiceDefinitions {
  orders: ServiceDefinition;
  inventory: ServiceDefinition;
}

/** Returns the orders and inventory service definitions. Throws if a proto is missing or invalid. */
export function loadShopProtos(): ShopServiceDefinitions {
  const definition = protoLoader.loadSync(['orders/v1/orders.proto', 'inventory/v1/inventory.proto'], {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [PROTOS_DIR],
  });
  return {
    orders: definition['shop.orders.v1.OrdersService'] as ServiceDefinition,
    inventory: definition['shop.inventory.v1.InventoryService'] as ServiceDefinition,
  };
}
