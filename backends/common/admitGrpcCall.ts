import { setTimeout as delay } from 'node:timers/promises';
import {
  Metadata,
  type Server,
  ServerCredentials,
  status,
  type handleUnaryCall,
  type ServerErrorResponse,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { verifyIdentity, type VerifiedIdentity } from '../identity/verifyIdentity.js';
import type { ServiceMonitor } from './ServiceMonitor.js';

/** Returns an error a gRPC handler can pass to its callback or stream. */
export function grpcError(code: status, message: string): ServerErrorResponse {
  return Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
}

export type Admission = { kind: 'ok'; identity: VerifiedIdentity } | { kind: 'error'; error: ServerErrorResponse } | { kind: 'garbage' };

/**
 * The lifecycle of every counted gRPC call, as for HTTP: count → injected latency → injected
 * error or garbage → identity check (UNAUTHENTICATED on a bad signature). Never rejects.
 */
export async function admitGrpcCall(
  monitor: ServiceMonitor,
  secret: string,
  operation: string,
  metadata: Metadata,
  keys: number,
  /** The call's method path (`call.getPath()`): the identity must be signed for it. */
  path: string,
): Promise<Admission> {
  const headers = metadata.getMap();
  const decision = monitor.record(operation, keys, headers['x-request-id']?.toString(), headers['traceparent']?.toString());
  if (decision.latencyMs > 0) await delay(decision.latencyMs);
  if (decision.outcome === 'error') return { kind: 'error', error: grpcError(decision.grpcCode, `injected fault in ${monitor.service}`) };
  if (decision.outcome === 'garbage') return { kind: 'garbage' };
  const verified = verifyIdentity(secret, headers, Date.now(), { backend: monitor.service, call: path });
  if (!verified.ok) return { kind: 'error', error: grpcError(status.UNAUTHENTICATED, verified.reason) };
  monitor.recordIdentity(verified.identity);
  return { kind: 'ok', identity: verified.identity };
}

export interface MonitoredUnaryOptions<Req, Res> {
  monitor: ServiceMonitor;
  secret: string;
  operation: string;
  keys?: (request: Req) => number;
  /**
   * Turns a real answer into a well-formed wrong one. Without it, a garbage call is answered
   * with status INTERNAL "garbage" (protobuf cannot be made unparsable from here).
   */
  garbage?: (response: Res) => Res;
}

/**
 * Returns a unary handler that runs admitGrpcCall, then `handler`. The handler returns the
 * answer or throws a grpcError; anything else thrown becomes INTERNAL and is logged.
 */
export function monitoredUnary<Req, Res>(
  options: MonitoredUnaryOptions<Req, Res>,
  handler: (request: Req, identity: VerifiedIdentity | null, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  const { monitor, secret, operation } = options;
  return (call, callback) => {
    void (async () => {
      const admission = await admitGrpcCall(monitor, secret, operation, call.metadata, options.keys?.(call.request) ?? 0, call.getPath());
      if (admission.kind === 'error') return callback(admission.error);
      if (admission.kind === 'garbage' && !options.garbage) return callback(grpcError(status.INTERNAL, 'garbage'));
      try {
        const response = await handler(call.request, admission.kind === 'ok' ? admission.identity : null, call);
        callback(null, admission.kind === 'garbage' ? options.garbage!(response) : response);
      } catch (err) {
        if (err instanceof Error && typeof (err as ServerErrorResponse).code === 'number') return callback(err as ServerErrorResponse);
        process.stderr.write(`[backends] ${monitor.service} ${operation} failed: ${String((err as Error)?.stack ?? err)}\n`);
        callback(grpcError(status.INTERNAL, 'internal error'));
      }
    })();
  };
}

/** Resolves with the bound port. Rejects when the address cannot be bound. */
export function bindGrpc(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, boundPort) => (err ? reject(err) : resolve(boundPort)));
  });
}

/** Shuts the server down, forcing it after 1 s so open streams cannot hold the exit. Never rejects. */
export function closeGrpc(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
