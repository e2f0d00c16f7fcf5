/**
 * The kit's public surface: what `bff-<client>/` (and the demo harness, the tests, the
 * benchmark) import. Everything else under `src/` is an internal that may move; a BFF that
 * needs something not exported here asks for it to be added rather than deep-importing.
 *
 * Two deliberate exceptions import leaf modules instead, because importing this file loads the
 * whole server stack (Apollo Server, fastify, graphql-jit: +~90 MB RSS and ~2.6 s, measured
 * under tsx, against +5 MB for a leaf module): the demo backends (`backends/`: they share only the wire
 * contracts — the generated gRPC/OpenAPI types, the queue's topics and bodies, the backend
 * declarations — and the embedded broker), and the benchmark's kit floor (`bench/floor/`: the
 * BFF's edge and clients without GraphQL, whose memory is what it measures). And each
 * `bff-<client>/main.ts` imports `server/startupHeap.ts` first, before this file: it must run
 * before the kit loads (it keeps start-up from growing V8's young generation).
 */

// Building and running a BFF
export type { BffProfile } from './config/BffProfile.js';
export { ConfigError, loadConfig, type BffConfig } from './config/loadConfig.js';
export { BACKEND_NAMES, BACKENDS, backendAddress, timeoutSettingOf, type BackendDeclaration, type BackendName } from './config/backends.js';
export type { Backends } from './datasources/createBackends.js';
export { buildBffSchema } from './schema/buildBffSchema.js';
export { createServer, type BffServer, type CreateServerOptions } from './server/createServer.js';
export type { OperationCheck } from './operation/OperationPipeline.js';
export { runServer } from './server/runServer.js';
export type { PriorityClass } from './traffic/PriorityClass.js';

// What resolvers use
export type { BffContext } from './context/BffContext.js';
export { requireUser } from './auth/requireViewer.js';
export { BffError } from './errors/BffError.js';
export { ErrorCode } from './errors/codes.js';
export { isNotFound, loadManyNow, loadNow, loadOrNull, mapNow, type Loader } from './loaders/createLoader.js';
export { selects } from './schema/selects.js';
export { checkLookAheads, lookAhead, type LookAhead } from './schema/lookAhead.js';
export { isStreamFailure } from './subscriptions/EventSource.js';
export { follow } from './subscriptions/LiveScope.js';
export { ORDER_EVENTS_TOPIC } from './subscriptions/createQueuedOrderEvents.js';
export { formatMoney, grpcOrderStatus, orderStatusOf, pageCursor, pageSize, relativeTime, truncate, withCursor } from './shaping/format.js';
export { placeOrderResult, updateProfileResult } from './shaping/writeResults.js';

// The backends' DTOs (what shaping functions take)
export type { ProductReviewsDto, ReviewDto, ReviewSummaryDto } from './datasources/graphql/ReviewsApi.js';
export type { ProductStockDto } from './datasources/grpc/InventoryClient.js';
export type { OrderDto, OrderPageDto, OrderStatusDto, OrderStatusEventDto } from './datasources/grpc/OrdersClient.js';
export type { ProductDto, ProductPage, ProductSort } from './datasources/rest/CatalogApi.js';
export type { ShipmentDto, ShipmentStatusDto } from './datasources/rest/ShippingApi.js';
export type { UserDto } from './datasources/rest/UsersApi.js';

// Schema governance (each BFF's contract dependencies)
export { commonContractDependencies } from './schema/governance/commonDependencies.js';
export type { ContractDependencies } from './schema/governance/contractImpact.js';
