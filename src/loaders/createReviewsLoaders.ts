import DataLoader from 'dataloader';
import type { CallScope } from '../datasources/CallScope.js';
import { BACKENDS } from '../config/backends.js';
import type { ProductReviewsDto, ReviewsApi, ReviewSummaryDto } from '../datasources/graphql/ReviewsApi.js';
import { badResponse } from '../errors/fromUpstream.js';
import { loaderBatchChannel } from '../observability/channels.js';
import { traceLoaderBatch } from '../observability/traceLoaderBatch.js';

/** A loader facade for one kind of reviews data. */
export interface KeyedLoader<V> {
  load(productId: string): Promise<V>;
}

export interface ReviewsLoaders {
  summaryByProductId: KeyedLoader<ReviewSummaryDto | null>;
  reviewsByProductId(limit: number): KeyedLoader<ProductReviewsDto | null>;
}

const SEP = '\u0000';

/**
 * One DataLoader for everything the reviews backend serves, so that summaries and review
 * lists asked for in the same tick (a product page wants both) go out as ONE GraphQL
 * request. Keys are `s␀<productId>` or `r␀<limit>␀<productId>`; the facades hide that.
 * A product the backend left out resolves to null; ids nobody asked for are a bad response.
 */
export function createReviewsLoaders(reviews: ReviewsApi, scope: CallScope, batching: boolean): ReviewsLoaders {
  const loader = new DataLoader<string, ReviewSummaryDto | ProductReviewsDto | null>(
    async (keys) => {
      if (loaderBatchChannel.hasSubscribers) loaderBatchChannel.publish({ loader: 'reviewsBundle', size: keys.length });
      const summaryIds: string[] = [];
      const reviewsByLimit = new Map<number, string[]>();
      for (const key of keys) {
        const parts = key.split(SEP);
        if (parts[0] === 's') summaryIds.push(parts[1]!);
        else {
          const limit = Number(parts[1]);
          let ids = reviewsByLimit.get(limit);
          if (!ids) reviewsByLimit.set(limit, (ids = []));
          ids.push(parts[2]!);
        }
      }
      const data = await traceLoaderBatch('reviewsBundle', keys.length, () => reviews.getReviewData(scope, { summaryIds, reviewsByLimit }));
      const found = new Map<string, ReviewSummaryDto | ProductReviewsDto>();
      for (const summary of data.summaries) found.set(`s${SEP}${summary.productId}`, summary);
      for (const [limit, lists] of data.reviews) {
        for (const entry of lists) found.set(`r${SEP}${limit}${SEP}${entry.productId}`, entry);
      }
      let matched = 0;
      const result = keys.map((key) => {
        const value = found.get(key);
        if (value !== undefined) matched++;
        return value ?? null;
      });
      if (matched < found.size) throw badResponse('reviews', 'unrequested_keys');
      return result;
    },
    { name: 'reviewsBundle', maxBatchSize: BACKENDS.reviews.maxBatchSize, batch: batching },
  );
  const byLimit = new Map<number, KeyedLoader<ProductReviewsDto | null>>();
  return {
    summaryByProductId: { load: (id) => loader.load(`s${SEP}${id}`) as Promise<ReviewSummaryDto | null> },
    reviewsByProductId(limit) {
      let facade = byLimit.get(limit);
      if (!facade) {
        facade = { load: (id) => loader.load(`r${SEP}${limit}${SEP}${id}`) as Promise<ProductReviewsDto | null> };
        byLimit.set(limit, facade);
      }
      return facade;
    },
  };
}
