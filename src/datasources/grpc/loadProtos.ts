import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The one way protos are loaded, on both sides of every gRPC contract: camelCase fields,
 * int64 as JS numbers (ids and cents stay far below 2^53), enums by name, oneofs with a
 * virtual field naming the case that is set.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The `protos/` folder at the repository root (from `src/` or from a `dist/` build). */
export function protoRoot(): string {
  for (const up of ['../../../protos/', '../../../../protos/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error(`protos/ not found above ${fileURLToPath(import.meta.url)}`);
}

/** Loads `relativePath` (e.g. `orders/v1/orders.proto`) and returns its gRPC object tree. */
export function loadProto(relativePath: string): grpc.GrpcObject {
  const definition = protoLoader.loadSync(relativePath, { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  return grpc.loadPackageDefinition(definition);
}

/** Walks `shop.orders.v1.OrdersService` down a loaded tree. */
export function lookupService(tree: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor {
  let node: unknown = tree;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function') throw new Error(`gRPC service ${path} not found in the loaded protos`);
  return node as grpc.ServiceClientConstructor;
}
