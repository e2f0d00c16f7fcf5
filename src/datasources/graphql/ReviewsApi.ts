import { badResponse, graphqlErrors } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { checkBatch } from '../checkBatch.js';
import type { DataSource } from '../DataSource.js';
import { ReviewsDocument, ReviewSummariesDocument, type ReviewsQuery, type ReviewSummariesQuery } from '../generated/graphql/reviews.js';
import { RestClient } from '../rest/RestClient.js';
import type { Upstream, UpstreamOptions } from '../Upstream.js';
import { mergeQueries, queryPart, type QueryPart, type QueryTexts } from './mergeQueries.js';

// The reviews service's types: the results of the documents this client sends
// (./reviews.graphql), generated from the service's SDL (backends/reviews/reviewsSdl.ts) by
// npm run codegen.
export type ReviewSummaryDto = ReviewSummariesQuery['reviewSummaries'][number];
export type ProductReviewsDto = ReviewsQuery['reviews'][number];
export type ReviewDto = ProductReviewsDto['reviews'][number];

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

const byProduct = (entry: { productId: string }): string => entry.productId;

/**
 * The reviews backend (GraphQL). A GraphQL call is one HTTP POST of `{ query, variables }`, so
 * it goes through the same keep-alive pool, abort signal, identity headers and HTTP/transport
 * translation as a REST call (RestClient), marked idempotent because it only reads.
 *
 * Why not Apollo's RemoteGraphQLDataSource: it is the gateway's client for federated
 * subgraphs, and what it adds (query-plan requests, APQ, subgraph cache-control hints) is
 * not used here, while the request it hands its fetcher carries no abort signal (the call's
 * deadline had to travel in a private header), its failures come back as GraphQLErrors whose
 * HTTP status must be fished out of `extensions.response`, and its package root loads the
 * federation query planner: importing `@apollo/gateway` costs +59 MB RSS and ~0.6 s at start,
 * its data source alone (a deep import) +28 MB (node 20, measured 2026-12-06). So the package
 * is not a dependency any more (README, "The backends").
 */
export class ReviewsApi implements DataSource {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly http: RestClient;
  /** Path and query of the endpoint, e.g. `/graphql`. */
  private readonly path: string;
  /** The merged query text of each shape of request (summaries or not, which limits). */
  private readonly queryTexts: QueryTexts = new Map();

  constructor(options: ReviewsApiOptions) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.http = new RestClient({ ...options, baseUrl: url.origin, name: 'reviews', protocol: 'graphql' });
    this.upstream = this.http.upstream;
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
    const parts: QueryPart[] = [];
    let keys = 0;
    if (wantSummaries) {
      parts.push(queryPart('summaries', ReviewSummariesDocument, { productIds: [...request.summaryIds] }));
      keys += request.summaryIds.length;
    }
    for (const limit of limits) {
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`getReviewData: limit must be a whole number, got ${limit}`);
      const ids = request.reviewsByLimit.get(limit)!;
      parts.push(queryPart(`r${limit}`, ReviewsDocument, { productIds: [...ids], limitPerProduct: limit }));
      keys += ids.length;
    }
    const operation = [wantSummaries && 'reviewSummaries', limits.length > 0 && 'reviews'].filter(Boolean).join('+');
    const { query, variables } = mergeQueries('ReviewData', parts, this.queryTexts);
    // Checked inside the call, so a malformed answer counts against the breaker.
    const check = (data: Record<string, unknown>): ReviewDataDto => {
      const summaries = wantSummaries ? checkBatch<ReviewSummaryDto>('reviews', data.summaries, request.summaryIds, byProduct) : [];
      const reviews = new Map<number, ProductReviewsDto[]>();
      for (const limit of limits) {
        reviews.set(limit, checkBatch<ProductReviewsDto>('reviews', data[`r${limit}`], request.reviewsByLimit.get(limit)!, byProduct));
      }
      return { summaries, reviews };
    };
    return this.query(scope, operation, keys, query, variables, check);
  }

  /**
   * Posts one query. Checked inside the call (so a malformed answer counts against the
   * breaker): a body with `errors` and no `data` is the service failing (`graphqlErrors`),
   * one without either is UPSTREAM_BAD_RESPONSE/`no_data`; then `check` reads the data.
   */
  private query<T>(
    scope: CallScope,
    operation: string,
    keys: number,
    query: string,
    variables: Record<string, unknown>,
    check: (data: Record<string, unknown>) => T,
  ): Promise<T> {
    return this.http.request<T>(scope, {
      method: 'POST',
      path: this.path,
      operation,
      keys,
      idempotent: true,
      body: { query, variables },
      check: (body) => {
        const { data, errors } = (body ?? {}) as { data?: unknown; errors?: unknown };
        if (typeof data !== 'object' || data === null) {
          if (Array.isArray(errors) && errors.length > 0) throw graphqlErrors('reviews');
          throw badResponse('reviews', 'no_data');
        }
        return check(data as Record<string, unknown>);
      },
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
