import { Pool } from 'undici';
import { badResponse, fromHttpStatus, fromTransportError } from '../../errors/fromUpstream.js';
import { checkBatch } from '../checkBatch.js';
import type { CallScope } from '../CallScope.js';
import { Upstream, type UpstreamOptions } from '../Upstream.js';

export interface RestClientOptions extends Omit<UpstreamOptions, 'protocol'> {
  /** Base URL of the backend, e.g. `http://127.0.0.1:5001`. */
  baseUrl: string;
  /**
   * `graphql` when the backend is a GraphQL service called over HTTP POST (ReviewsApi): the
   * same pool and the same HTTP and transport translation; only the receipt and metrics say
   * `graphql`. Default `rest`.
   */
  protocol?: 'rest' | 'graphql';
  /** Keep-alive connections to this backend (undici Pool). Default 16. */
  connections?: number;
  /**
   * The longest path + query string a batch GET may send, in bytes; `getByIds` splits its ids
   * over as many calls as this needs. Default 4096 (DEFAULT_MAX_URL_LENGTH).
   */
  maxUrlLength?: number;
}

/**
 * What a batch GET's path + query may be at most, by default. Servers refuse longer request
 * lines with 414 or 431 at very different sizes (Node 16 KB of headers in all, nginx 4-8 KB
 * per line, many proxies 8 KB); 4 KB is under all of them and still holds 500 ids of 7
 * characters, so a dashboard page stays one call.
 */
export const DEFAULT_MAX_URL_LENGTH = 4096;

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
   * Whether the call may be retried. Default: only GET. A POST that only reads (a GraphQL
   * query) says `true`; a write never does.
   */
  idempotent?: boolean;
  /**
   * Statuses that are an expected refusal (e.g. 422 for a write): answered as
   * `{ rejected: status, body }` instead of an error, so the refusal can become a schema type.
   */
  refusals?: readonly number[];
  /**
   * Checks the parsed body and returns it typed, or throws `badResponse`. It runs inside the
   * call, so an answer of the wrong shape counts against the backend's breaker like a 500.
   */
  check?: (body: unknown) => unknown;
  /**
   * Handed the headers of the 2xx answer that is returned (names in lower case), e.g. for its
   * `Cache-Control` (src/cache reads how long a public answer may be kept).
   */
  onHeaders?: ResponseHeadersSink;
}

/** Takes the headers of a backend's answer (names in lower case, as undici gives them). */
export type ResponseHeadersSink = (headers: Readonly<Record<string, string | string[] | undefined>>) => void;

/** What `request` returns for a status listed in `refusals`. */
export interface Refusal {
  rejected: number;
  body: unknown;
}

/** How one backend answers many entities by id: `GET <path>?<param>=a,b,c` → `{ <field>: [...] }`. */
export interface BatchGet<T> {
  /** e.g. `/products`. */
  path: string;
  /** The query parameter that carries the comma-separated ids, e.g. `ids`. */
  param: string;
  /** The body's array of entities, e.g. `products`. */
  field: string;
  /** The id of one entity, checked against the ids asked for. */
  keyOf: (entity: T) => unknown;
}

/**
 * A keep-alive JSON-over-HTTP client for one backend (REST, or GraphQL over POST). The one
 * place HTTP calls are made and translated (with `errors/fromUpstream`'s transport and status
 * tables) into BffErrors naming the backend; GET is idempotent and may be retried, every
 * other method is sent at most once unless the request says it only reads.
 */
export class RestClient {
  readonly upstream: Upstream;
  private readonly pool: Pool;
  private readonly origin: string;
  readonly maxUrlLength: number;

  constructor(options: RestClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
    if (!(this.maxUrlLength >= 64))
      throw new TypeError(`RestClient(${options.name}): maxUrlLength must be >= 64, got ${options.maxUrlLength}`);
    this.upstream = new Upstream({ ...options, protocol: options.protocol ?? 'rest' });
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * @returns the parsed JSON body of a 2xx answer.
   * @throws BffError with the code of the status, or UPSTREAM_BAD_RESPONSE for a body that is
   * not JSON or that `req.check` refuses.
   */
  request<T>(scope: CallScope, req: RestRequest): Promise<T> {
    const name = this.upstream.name;
    const idempotent = req.idempotent ?? req.method === 'GET';
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
          throw fromTransportError(name, error, scope.signal);
        }
        const { statusCode, body, headers } = response;
        if (req.refusals?.includes(statusCode)) {
          const refusal: Refusal = { rejected: statusCode, body: await body.json().catch(() => null) };
          return refusal as T;
        }
        if (statusCode < 200 || statusCode >= 300) {
          await body.dump().catch(() => undefined);
          throw fromHttpStatus(name, statusCode);
        }
        let json: unknown;
        try {
          json = await body.json();
        } catch (error) {
          if (signal.aborted) throw fromTransportError(name, error, scope.signal);
          throw badResponse(name, 'invalid_json', error);
        }
        const checked = (req.check ? req.check(json) : json) as T;
        req.onHeaders?.(headers);
        return checked;
      },
      idempotent,
    );
  }

  /**
   * GETs many entities by id: `<path>?<param>=a,b,c`, answered as `{ <field>: [...] }`. The ids
   * go out in as few calls as fit `maxUrlLength` (in parallel; usually one), so a batch never
   * exceeds what the backend accepts whatever its ids. An id that alone does not fit cannot
   * name anything the backend has: it is not sent, and reads as not found.
   * `onHeaders` is handed the headers of each call's answer.
   * @returns the entities the backend sent, in any order; unknown ids left out.
   * @throws BffError UPSTREAM_BAD_RESPONSE (counted by the breaker) when a body has no such
   * array, or holds an entity whose `keyOf` is not one of the ids asked for.
   */
  async getByIds<T>(scope: CallScope, batch: BatchGet<T>, ids: readonly string[], onHeaders?: ResponseHeadersSink): Promise<T[]> {
    const { path, param, field, keyOf } = batch;
    const prefix = `${path}?${encodeURIComponent(param)}=`;
    const chunks = splitIds(prefix, ids, this.maxUrlLength);
    const get = (chunk: readonly string[]) =>
      this.request<T[]>(scope, {
        method: 'GET',
        path: `${prefix}${joinEncoded(chunk)}`,
        operation: `GET ${path}`,
        keys: chunk.length,
        check: (body) => checkBatch(this.upstream.name, (body as Record<string, unknown> | null)?.[field], chunk, keyOf),
        ...(onHeaders && { onHeaders }),
      });
    if (chunks.length === 0) return [];
    if (chunks.length === 1) return get(chunks[0]!);
    return (await Promise.all(chunks.map(get))).flat();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Splits `ids` into runs whose `<prefix><id,id,…>` (ids URL-encoded) is at most `maxLength`
 * bytes, in order; ids too long to fit alone, or that cannot be URL-encoded (a lone
 * surrogate), are dropped.
 * @returns the runs; none when no id fits.
 */
export function splitIds(prefix: string, ids: readonly string[], maxLength: number): string[][] {
  const room = maxLength - Buffer.byteLength(prefix);
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let length = 0;
  for (const id of ids) {
    const size = encodedLength(id);
    if (size > room) continue;
    const added = chunk.length === 0 ? size : size + 1;
    if (length + added > room) {
      chunks.push(chunk);
      chunk = [id];
      length = size;
    } else {
      chunk.push(id);
      length += added;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** What `encodeURIComponent` leaves as it is: an id made only of these is its own encoding. */
const UNRESERVED = /^[A-Za-z0-9\-_.!~*'()]*$/;

/** `ids.map(encodeURIComponent).join(',')`, without copying each id when none needs encoding (the usual case). */
function joinEncoded(ids: readonly string[]): string {
  for (const id of ids) if (!UNRESERVED.test(id)) return ids.map(encodeURIComponent).join(',');
  return ids.join(',');
}

/** Bytes of `id` once URL-encoded; Infinity when it cannot be (`encodeURIComponent` throws on a lone surrogate). */
function encodedLength(id: string): number {
  if (UNRESERVED.test(id)) return id.length;
  try {
    return encodeURIComponent(id).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
