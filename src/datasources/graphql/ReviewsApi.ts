import { randomUUID } from 'node:crypto';
// Deep imports on purpose: the package root also loads the federation query planner, which
// costs a BFF about 30 MB of memory for nothing (the request-kind enum is not re-exported anyway).
import { RemoteGraphQLDataSource } from '@apollo/gateway/dist/datasources/RemoteGraphQLDataSource.js';
import { GraphQLDataSourceRequestKind, type GraphQLDataSourceProcessOptions } from '@apollo/gateway/dist/datasources/types.js';
import { Pool, fetch as undiciFetch } from 'undici';
import { GraphQLError } from 'graphql';
import { asBffError, BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';
import { badResponse, fromHttpStatus, fromTransportError, upstreamFailure } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import { Upstream, type UpstreamOptions } from '../Upstream.js';

export interface ReviewSummaryDto {
  productId: string;
  averageRating: number;
  count: number;
  histogram: number[];
}

export interface ReviewDto {
  id: string;
  productId: string;
  authorName: string;
  rating: number;
  title: string;
  body: string;
  createdAt: string;
}

export interface ProductReviewsDto {
  productId: string;
  reviews: ReviewDto[];
}

export interface ReviewDataRequest {
  /** Products whose rating summary is wanted. */
  summaryIds: readonly string[];
  /** Products whose reviews are wanted, by how many reviews per product. */
  reviewsByLimit: ReadonlyMap<number, readonly string[]>;
}

export interface ReviewDataDto {
  summaries: ReviewSummaryDto[];
  reviews: Map<number, ProductReviewsDto[]>;
}

export interface ReviewsApiOptions extends Omit<UpstreamOptions, 'protocol' | 'name'> {
  /** GraphQL endpoint of the reviews service, e.g. `http://127.0.0.1:5005/graphql`. */
  url: string;
  connections?: number;
}

interface ReviewsCallContext {
  scope: CallScope;
  callId: string;
}

const CALL_ID_HEADER = 'x-bff-internal-call-id';

const byProduct = (entry: { productId: string }): string => entry.productId;

/**
 * Apollo's RemoteGraphQLDataSource, taught to carry the verified identity and the request id
 * (never client headers) and to send through a keep-alive undici pool with the call's abort
 * signal. The gateway's fetcher interface has no per-call signal, so the signal travels in
 * a private header that the fetcher takes back out before the request leaves.
 */
class ReviewsDataSource extends RemoteGraphQLDataSource<ReviewsCallContext> {
  readonly signals = new Map<string, AbortSignal>();

  constructor(url: string, pool: Pool) {
    super({ url, honorSubgraphCacheControlHeader: false });
    this.fetcher = ((input: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => {
      const headers = { ...init.headers };
      const callId = headers[CALL_ID_HEADER];
      delete headers[CALL_ID_HEADER];
      const signal = callId ? this.signals.get(callId) : undefined;
      return undiciFetch(input, { ...init, headers, dispatcher: pool, ...(signal && { signal }) });
    }) as unknown as RemoteGraphQLDataSource['fetcher'];
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<ReviewsCallContext>): void {
    const headers = options.request.http?.headers;
    const { scope, callId } = options.context as ReviewsCallContext;
    if (!headers) return;
    // Signed for this backend and this request line (`POST /graphql`), as the backend sees it.
    const url = new URL(options.request.http!.url);
    const signed = scope.headersFor('reviews', `${options.request.http!.method} ${url.pathname}${url.search}`);
    for (const key in signed) headers.set(key, signed[key]!);
    headers.set(CALL_ID_HEADER, callId);
  }
}

/** The reviews backend (GraphQL), called through Apollo's RemoteGraphQLDataSource. */
export class ReviewsApi {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly source: ReviewsDataSource;
  private readonly pool: Pool;

  constructor(options: ReviewsApiOptions) {
    this.upstream = new Upstream({ ...options, name: 'reviews', protocol: 'graphql' });
    this.pool = new Pool(new URL(options.url).origin, { connections: options.connections ?? 16, keepAliveTimeout: 30_000 });
    this.source = new ReviewsDataSource(options.url, this.pool);
  }

  /**
   * Summaries and reviews for many products in ONE GraphQL request: a product page that asks
   * for both costs one call to the reviews backend, not one per field. Each distinct
   * `limitPerProduct` becomes an aliased `reviews` field of the same document.
   *
   * @returns the summaries and, per limit, the reviews lists the backend sent.
   */
  async getReviewData(scope: CallScope, request: ReviewDataRequest): Promise<ReviewDataDto> {
    const limits = [...request.reviewsByLimit.keys()].sort((a, b) => a - b);
    const wantSummaries = request.summaryIds.length > 0;
    const fields: string[] = [];
    const variableDefs: string[] = [];
    const variables: Record<string, unknown> = {};
    let keys = 0;
    if (wantSummaries) {
      variableDefs.push('$s: [ID!]!');
      variables.s = request.summaryIds;
      keys += request.summaryIds.length;
      fields.push('summaries: reviewSummaries(productIds: $s) { productId averageRating count histogram }');
    }
    for (const limit of limits) {
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`getReviewData: limit must be a whole number, got ${limit}`);
      const ids = request.reviewsByLimit.get(limit)!;
      variableDefs.push(`$r${limit}: [ID!]!`);
      variables[`r${limit}`] = ids;
      keys += ids.length;
      fields.push(
        `r${limit}: reviews(productIds: $r${limit}, limitPerProduct: ${limit}) { productId reviews { id productId authorName rating title body createdAt } }`,
      );
    }
    const operation = [wantSummaries && 'reviewSummaries', limits.length > 0 && 'reviews'].filter(Boolean).join('+');
    // Checked inside the call, so a malformed answer counts against the breaker.
    const check = (data: Record<string, unknown>): ReviewDataDto => {
      const summaries = wantSummaries ? checkBatch<ReviewSummaryDto>('reviews', data.summaries, request.summaryIds, byProduct) : [];
      const reviews = new Map<number, ProductReviewsDto[]>();
      for (const limit of limits) {
        reviews.set(limit, checkBatch<ProductReviewsDto>('reviews', data[`r${limit}`], request.reviewsByLimit.get(limit)!, byProduct));
      }
      return { summaries, reviews };
    };
    return this.query(scope, operation, keys, `query ReviewData(${variableDefs.join(', ')}) { ${fields.join(' ')} }`, variables, check);
  }

  private query<T>(
    scope: CallScope,
    operation: string,
    keys: number,
    query: string,
    variables: Record<string, unknown>,
    check: (data: Record<string, unknown>) => T,
  ): Promise<T> {
    return this.upstream.call(
      scope,
      operation,
      keys,
      async (signal) => {
        const callId = randomUUID();
        this.source.signals.set(callId, signal);
        try {
          const response = await this.source.process({
            kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
            request: { query, variables },
            context: { scope, callId },
            // Only read when honorSubgraphCacheControlHeader is on, which it is not here.
            incomingRequestContext: undefined as never,
          });
          if (response.errors?.length && !response.data) {
            // Our own documents, with checked ids: errors and no data mean the service failed.
            throw upstreamFailure('reviews', ErrorCode.UPSTREAM_ERROR, 'graphql_errors', undefined, true);
          }
          if (!response.data) throw badResponse('reviews', 'no_data');
          return check(response.data);
        } catch (error) {
          throw translateGatewayError(error, scope.signal);
        } finally {
          this.source.signals.delete(callId);
        }
      },
      true,
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function translateGatewayError(error: unknown, requestSignal: AbortSignal): BffError {
  const known = asBffError(error);
  if (known) return known;
  if (requestSignal.aborted) return upstreamFailure('reviews', ErrorCode.UPSTREAM_UNAVAILABLE, 'request_cancelled', error);
  const name = (error as { name?: string }).name;
  // Non-2xx answers: the gateway's errorFromResponse puts the status in extensions.response.
  const status = (error as GraphQLError).extensions?.response as { status?: number } | undefined;
  if (error instanceof GraphQLError && typeof status?.status === 'number') return fromHttpStatus('reviews', status.status, error);
  // fetch's own failures: a TypeError with the socket's error as its cause, or our abort.
  if (name === 'AbortError' || name === 'TimeoutError' || (error instanceof TypeError && (error as { cause?: unknown }).cause)) {
    return fromTransportError('reviews', error, requestSignal);
  }
  // Non-JSON body, or JSON of the wrong shape.
  return badResponse('reviews', 'invalid_body', error);
}
