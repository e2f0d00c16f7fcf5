/**
 * The wire protocols a backend is called over. Each has one translation of its failures into
 * our error codes (src/errors/fromUpstream.ts): `rest` and `graphql` share the HTTP status
 * and transport tables (both are HTTP calls), `grpc` has the gRPC status table.
 */
export type Protocol = 'rest' | 'grpc' | 'graphql';
