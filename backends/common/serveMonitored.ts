import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { verifyIdentity, type VerifiedIdentity } from '../identity/verifyIdentity.js';
import type { ServiceMonitor } from './ServiceMonitor.js';

export type RestErrorCode = 'NOT_FOUND' | 'VALIDATION' | 'FORBIDDEN' | 'BAD_REQUEST' | 'UNAUTHENTICATED' | 'INTERNAL';

/** Thrown by REST/GraphQL handlers; serveMonitored turns it into the error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: RestErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type ErrorFormatter = (code: RestErrorCode, message: string, field?: string) => string;

/** The REST services' error body: {"error":{"code","message","field"?}}. */
export const restErrorBody: ErrorFormatter = (code, message, field) =>
  JSON.stringify({ error: field === undefined ? { code, message } : { code, message, field } });

/** Writes a JSON body that is already a string, so hot paths can reuse precomputed JSON. */
export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const MAX_BODY_BYTES = 1_000_000;

/** Returns the parsed JSON body. Throws HttpError 400 BAD_REQUEST on bad JSON or a body over 1 MB. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(400, 'BAD_REQUEST', 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'body is not valid JSON');
  }
}

export interface MonitoredHttpCall {
  monitor: ServiceMonitor;
  secret: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** "METHOD /route-pattern", or the GraphQL root fields. */
  operation: string;
  /** Ids asked for, for batch calls. */
  keys?: number;
  formatError?: ErrorFormatter;
}

/**
 * The lifecycle of every counted HTTP call: count → injected latency → injected error or
 * garbage → identity check (401 without a signed identity for this call) → handler. Faults come before the identity
 * check because they stand for the network and the load balancer, which know no identity.
 * Resolves when the response is written; never rejects.
 */
export async function serveMonitored(
  call: MonitoredHttpCall,
  handler: (identity: VerifiedIdentity) => void | Promise<void>,
): Promise<void> {
  const { monitor, req, res } = call;
  const format = call.formatError ?? restErrorBody;
  const h = req.headers;
  const decision = monitor.record(
    call.operation,
    call.keys ?? 0,
    h['x-request-id'] as string | undefined,
    h['traceparent'] as string | undefined,
  );
  try {
    if (decision.latencyMs > 0) await delay(decision.latencyMs);
    if (decision.outcome === 'error') {
      sendJson(res, decision.httpStatus, format('INTERNAL', `injected fault in ${monitor.service}`));
      return;
    }
    if (decision.outcome === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>oops</html>');
      return;
    }
    // Bound to this service and to the request line as sent (method, path and query).
    const verified = verifyIdentity(call.secret, h, Date.now(), { backend: monitor.backend, call: `${req.method} ${req.url}` });
    if (!verified.ok) throw new HttpError(401, 'UNAUTHENTICATED', verified.reason);
    monitor.recordIdentity(verified.identity);
    await handler(verified.identity);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      sendJson(res, err.status, format(err.code, err.message, err.field));
    } else {
      process.stderr.write(`[backends] ${monitor.service} ${call.operation} failed: ${String((err as Error)?.stack ?? err)}\n`);
      sendJson(res, 500, format('INTERNAL', 'internal error'));
    }
  }
}

/** Resolves with the bound port once the server listens. Rejects on a listen error (e.g. EADDRINUSE). */
export function listenHttp(server: Server, port: number, host: string): Promise<number> {
  // Longer than undici's 4 s default so the client, not the server, closes idle sockets:
  // that avoids the race where a request is written to a socket the server just closed.
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 31_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Closes the server and its idle and active sockets. Never rejects. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
