import { Pool, errors as undiciErrors } from 'undici';
import { BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';
import { badResponse, fromHttpStatus, upstreamFailure } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { Upstream, type UpstreamOptions } from '../Upstream.js';

export interface RestClientOptions extends Omit<UpstreamOptions, 'protocol'> {
  /** Base URL of the backend, e.g. `http://127.0.0.1:5001`. */
  baseUrl: string;
  /** Keep-alive connections to this backend (undici Pool). Default 16. */
  connections?: number;
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path with query string, e.g. `/users?ids=u-1,u-2`. */
  path: string;
  /** Name of the backend operation for the receipt and metrics (`GET /users`). */
  operation: string;
  /** How many entity keys this call asks for (1 for single reads and writes). */
  keys: number;
  body?: unknown;
  /** Extra headers, e.g. `idempotency-key`. */
  headers?: Record<string, string>;
  /**
   * Statuses that are an expected refusal (e.g. 422 for a write): answered as
   * `{ rejected: status, body }` instead of an error, so the refusal can become a schema type.
   */
  refusals?: readonly number[];
}

/** What `request` returns for a status listed in `refusals`. */
export interface Refusal {
  rejected: number;
  body: unknown;
}

/**
 * A keep-alive JSON client for one REST backend. Translates transport failures, HTTP
 * statuses and unreadable bodies into BffErrors naming the backend; GET is idempotent and
 * may be retried, every other method is sent at most once.
 */
export class RestClient {
  readonly upstream: Upstream;
  private readonly pool: Pool;
  private readonly origin: string;

  constructor(options: RestClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.upstream = new Upstream({ ...options, protocol: 'rest' });
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * @returns the parsed JSON body of a 2xx answer.
   * @throws BffError with the code of the status, or UPSTREAM_BAD_RESPONSE for a body that is not JSON.
   */
  request<T>(scope: CallScope, req: RestRequest): Promise<T> {
    const name = this.upstream.name;
    const idempotent = req.method === 'GET';
    return this.upstream.call(
      scope,
      req.operation,
      req.keys,
      async (signal) => {
        let response;
        try {
          response = await this.pool.request({
            method: req.method,
            path: req.path,
            signal,
            headers: {
              ...scope.headersFor(name, `${req.method} ${req.path}`),
              ...req.headers,
              accept: 'application/json',
              ...(req.body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(req.body !== undefined && { body: JSON.stringify(req.body) }),
          });
        } catch (error) {
          throw transportError(name, error, scope.signal);
        }
        const { statusCode, body } = response;
        if (req.refusals?.includes(statusCode)) {
          const refusal: Refusal = { rejected: statusCode, body: await body.json().catch(() => null) };
          return refusal as T;
        }
        if (statusCode < 200 || statusCode >= 300) {
          await body.dump().catch(() => undefined);
          throw fromHttpStatus(name, statusCode);
        }
        try {
          return (await body.json()) as T;
        } catch (error) {
          if (signal.aborted) throw transportError(name, error, scope.signal);
          throw badResponse(name, 'invalid_json', error);
        }
      },
      idempotent,
    );
  }

  get(scope: CallScope, path: string, operation: string, keys: number): Promise<unknown> {
    return this.request(scope, { method: 'GET', path, operation, keys });
  }

  /**
   * GETs many entities by id in one call: `<path>?ids=a,b,c`, answered as `{ <field>: [...] }`.
   * @returns the array the backend sent (in any order; unknown ids left out).
   * @throws BffError UPSTREAM_BAD_RESPONSE when the body has no such array.
   */
  async getByIds<T>(scope: CallScope, path: string, ids: readonly string[], field: string): Promise<T[]> {
    const body = await this.get(scope, `${path}?ids=${ids.map(encodeURIComponent).join(',')}`, `GET ${path}`, ids.length);
    const list = (body as Record<string, unknown> | null)?.[field];
    if (!Array.isArray(list)) throw badResponse(this.upstream.name, 'shape');
    return list as T[];
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Socket-level failures: refused (never sent), timed out, or cut off mid-way. */
function transportError(upstream: string, error: unknown, requestSignal: AbortSignal): BffError {
  if (requestSignal.aborted) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, 'request_cancelled', error);
  }
  const code = (error as { code?: string } | null)?.code;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError' || error instanceof undiciErrors.RequestAbortedError) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_TIMEOUT, 'deadline', error);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, 'connect_refused', error);
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return upstreamFailure(upstream, ErrorCode.UPSTREAM_TIMEOUT, 'deadline', error);
  }
  return upstreamFailure(upstream, ErrorCode.UPSTREAM_UNAVAILABLE, code ? code.toLowerCase() : 'socket_error', error);
}
