import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { BffError } from '../../errors/BffError.js';
import { fromGrpcError } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { Upstream, type Attempt, type UpstreamOptions } from '../Upstream.js';
import { loadProto, lookupService } from './loadProtos.js';
import { serviceConfigOf, type OutlierDetection } from './outlierDetection.js';

export interface GrpcClientOptions extends Omit<UpstreamOptions, 'protocol'> {
  /**
   * The backend's gRPC target: `host:port`, or a name that resolves to several endpoints
   * (`dns:///orders-headless:5003`, `ipv4:10.0.0.7:5003,10.0.0.8:5003`), balanced round robin.
   */
  address: string;
  /** Ejects a failing endpoint among several (./outlierDetection.ts); default: grpc-js' plain pick-first. */
  outlierDetection?: OutlierDetection;
}

/** The request message a method of a generated service definition takes (proto-loader's input type). */
export type RequestOf<Method> = Method extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer _ResOut> ? Req : never;

/** The response message a method returns, as loaded with PROTO_LOADER_OPTIONS (`__Output`: defaults filled in). */
export type ResponseOf<Method> = Method extends MethodDefinition<infer _Req, infer _Res, infer _ReqOut, infer Res> ? Res : never;

/**
 * The methods a generated service definition names. Its base type, grpc-js' ServiceDefinition,
 * has a string index signature, which would let any string through as a method name.
 */
export type MethodName<Service> = keyof { [K in keyof Service as string extends K ? never : number extends K ? never : K]: Service[K] } &
  string;

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/**
 * One long-lived channel to one gRPC backend, and the unary call every client method goes
 * through: request metadata from the call scope, a deadline on every call (the backend
 * timeout capped by the request's remaining budget), cancellation when the client goes
 * away, and failures translated (`errors/fromUpstream`'s `fromGrpcError`) to BffErrors
 * naming the backend. A data source (OrdersClient, InventoryClient) holds one.
 *
 * `Service` is the service's definition type generated from its proto (npm run codegen,
 * src/datasources/generated/grpc/): method names, requests and responses are checked by
 * `tsc`, not passed as strings and `unknown`.
 */
export class GrpcClient<Service extends grpc.ServiceDefinition> {
  readonly upstream: Upstream;
  private readonly stub: grpc.Client;

  constructor(protoFile: string, service: string, options: GrpcClientOptions) {
    this.upstream = new Upstream({ ...options, protocol: 'grpc' });
    const Client = lookupService(loadProto(protoFile), service);
    this.stub = new Client(options.address, grpc.credentials.createInsecure(), {
      // Keepalive pings find a dead connection before a request does; gentle enough for
      // servers with default ping policies.
      'grpc.keepalive_time_ms': 120_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      ...(options.outlierDetection ? { 'grpc.service_config': serviceConfigOf(options.outlierDetection) } : {}),
    });
  }

  /**
   * `check` runs on the response inside the call, so an answer of the wrong shape counts
   * against the backend's breaker like an INTERNAL status.
   * @returns the backend's response message (as `check` returned it).
   * @throws BffError naming this backend.
   */
  unary<Method extends MethodName<Service>, Res = ResponseOf<Service[Method]>>(
    scope: CallScope,
    method: Method,
    request: RequestOf<Service[Method]>,
    keys: number,
    idempotent: boolean,
    check?: (response: ResponseOf<Service[Method]>) => Res,
  ): Promise<Res> {
    const fn = (this.stub as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new TypeError(`${this.upstream.name} has no gRPC method ${method}`);
    const name = this.upstream.name;
    // The method's path (`/shop.orders.v1.OrdersService/ListOrders`), which the identity is signed for.
    const path = (fn as { path?: string }).path ?? method;
    const attempt = (signal: AbortSignal, timeoutMs: number) =>
      new Promise<ResponseOf<Service[Method]>>((resolve, reject) => {
        const pending: PendingUnary = {
          resolve: resolve as (value: unknown) => void,
          reject,
          upstream: name,
          requestSignal: scope.signal,
          attemptSignal: signal,
        };
        const call = fn.call(this.stub, request, metadataOf(scope, name, path), { deadline: Date.now() + timeoutMs }, settleUnary(pending));
        pending.cancel = call.cancel.bind(call);
        signal.addEventListener('abort', pending.cancel, { once: true });
      });
    return this.upstream.call<Res>(
      scope,
      method,
      keys,
      // Without `check`, Res is its default: the method's response type.
      check ? async (signal, timeoutMs) => check(await attempt(signal, timeoutMs)) : (attempt as unknown as Attempt<Res>),
      idempotent,
    );
  }

  /**
   * Opens a server stream. It has no deadline, unlike unary calls: it lasts as long as someone
   * follows it, and the channel's keepalive pings find a dead connection instead. Not retried
   * here: the caller (createSharedStreams) decides when to reconnect.
   *
   * @returns a function that cancels the stream (idempotent).
   */
  serverStream<Method extends MethodName<Service>>(
    method: Method,
    request: RequestOf<Service[Method]>,
    headersFor: StreamHeaders,
    sink: StreamSink<ResponseOf<Service[Method]>>,
  ): () => void {
    const fn = (this.stub as unknown as Record<string, ServerStreamMethod>)[method];
    if (!fn) throw new TypeError(`${this.upstream.name} has no gRPC method ${method}`);
    // Signed for this backend and the method's path, like a unary call (see CallScope.headersFor).
    const metadata = headersFor(this.upstream.name, (fn as { path?: string }).path ?? method);
    const grpcMetadata = new grpc.Metadata();
    for (const key in metadata) grpcMetadata.set(key, metadata[key]!);
    const call = fn.call(this.stub, request, grpcMetadata, {});
    let cancelled = false;
    call.on('data', (message: ResponseOf<Service[Method]>) => sink.next(message));
    call.on('end', () => {
      if (!cancelled) sink.end();
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (!cancelled) sink.error(fromGrpcError(this.upstream.name, error));
    });
    return () => {
      if (cancelled) return;
      cancelled = true;
      call.cancel();
    };
  }

  close(): Promise<void> {
    this.stub.close();
    return Promise.resolve();
  }
}

/** The metadata of one stream call: the identity signed for `backend` and `call` (the method path). */
export type StreamHeaders = (backend: string, call: string) => Record<string, string>;

/** Where a server stream's messages, end and failure (a BffError naming the backend) go. */
export interface StreamSink<Res> {
  next(message: Res): void;
  end(): void;
  error(error: BffError): void;
}

type ServerStreamMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

type UnaryCallback = (error: grpc.ServiceError | null, response: unknown) => void;

/** What a unary call's callback needs, dropped once it has run. */
interface PendingUnary {
  resolve?: (value: unknown) => void;
  reject?: (reason: unknown) => void;
  cancel?: () => void;
  upstream: string;
  requestSignal?: AbortSignal;
  attemptSignal?: AbortSignal;
}

/**
 * The callback handed to grpc-js. It is made here, outside any request's scope, and forgets
 * the request once it has run, because of how long grpc-js keeps it: the call's HTTP/2 stream
 * holds it, and V8's young-generation collections keep a finished stream alive until the next
 * full collection. A callback closing over the request (its scope, the resolver that awaits
 * it) dragged the whole request, its loaders and their data, into the old generation with it
 * on every gRPC call (measured in docs/performance.md, "Memory").
 */
function settleUnary(pending: PendingUnary): UnaryCallback {
  return (error, response) => {
    const { resolve, reject, cancel, upstream, requestSignal, attemptSignal } = pending;
    pending.resolve = pending.reject = pending.cancel = pending.requestSignal = pending.attemptSignal = undefined;
    if (cancel) attemptSignal?.removeEventListener('abort', cancel);
    if (error) reject?.(fromGrpcError(upstream, error, requestSignal, attemptSignal));
    else resolve?.(response);
  };
}

function metadataOf(scope: CallScope, backend: string, path: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const headers = scope.headersFor(backend, path);
  for (const key in headers) metadata.set(key, headers[key]!);
  return metadata;
}
