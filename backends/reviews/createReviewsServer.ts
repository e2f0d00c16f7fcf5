import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  buildSchema,
  execute,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Review, ReviewSummary } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { HttpError, readJsonBody, sendJson, serveMonitored, type ErrorFormatter } from '../common/serveMonitored.js';

export interface ReviewsServerOptions {
  reviews: Map<string, Review[]>;
  summaries: Map<string, ReviewSummary>;
  monitor: ServiceMonitor;
  identitySecret: string;
}

export const MAX_REVIEW_PRODUCT_IDS = 500;
const MAX_CACHED_DOCUMENTS = 500;

export const REVIEWS_SDL = `
type Query {
  reviewSummaries(productIds: [ID!]!): [ReviewSummary!]!
  reviews(productIds: [ID!]!, limitPerProduct: Int = 3): [ProductReviews!]!
}
type ReviewSummary { productId: ID! averageRating: Float! count: Int! histogram: [Int!]! }
type ProductReviews { productId: ID! reviews: [Review!]! }
type Review { id: ID! productId: ID! authorName: String! rating: Int! title: String! body: String! createdAt: String! }
`;

/** Errors of this service use the GraphQL shape, with the REST codes in extensions.code. */
const graphqlErrorBody: ErrorFormatter = (code, message) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

interface CachedDocument {
  document: DocumentNode | null;
  errors: readonly GraphQLError[];
  /** Root field names per operation name ('' for an anonymous or single operation), for stats. */
  rootFields: Map<string, string>;
  /** Compiled per operation name, on first use. */
  compiled: Map<string, CompiledQuery | ExecutionResult>;
}

function checkIds(productIds: string[]): void {
  if (productIds.length > MAX_REVIEW_PRODUCT_IDS) {
    throw new GraphQLError(`at most ${MAX_REVIEW_PRODUCT_IDS} productIds per call, got ${productIds.length}`, {
      extensions: { code: 'BAD_REQUEST' },
    });
  }
}

/**
 * Returns the reviews GraphQL service (not yet listening): POST /graphql with
 * {query, variables, operationName}. Parsed and validated documents are cached per query
 * string, since the BFF sends the same few queries over and over.
 *
 * Why graphql-jit next to graphql-js: a 50-id reviewSummaries took ~320 µs in graphql-js
 * execute() and ~10 µs compiled, and this is one of the benchmark's hot paths. graphql-js
 * still parses and validates, and executes whatever graphql-jit declines to compile, so the
 * answers are graphql-js's. Resolvers sit on the schema (not a rootValue) because
 * graphql-jit does not call rootValue functions.
 */
export function createReviewsServer(options: ReviewsServerOptions): Server {
  const { monitor, identitySecret: secret } = options;
  const schema = buildSchema(REVIEWS_SDL);
  // biome-ignore lint/suspicious/noExplicitAny: graphql-js types resolver arguments per field; this map holds several.
  const resolvers: Record<string, GraphQLFieldResolver<unknown, unknown, any>> = {
    reviewSummaries: (_root, { productIds }: { productIds: string[] }): ReviewSummary[] => {
      checkIds(productIds);
      return productIds.map(
        (productId) => options.summaries.get(productId) ?? { productId, averageRating: 0, count: 0, histogram: [0, 0, 0, 0, 0] },
      );
    },
    reviews: (_root, { productIds, limitPerProduct }: { productIds: string[]; limitPerProduct: number }) => {
      checkIds(productIds);
      if (limitPerProduct < 0 || limitPerProduct > 50) {
        throw new GraphQLError('limitPerProduct must be 0..50', { extensions: { code: 'BAD_REQUEST' } });
      }
      return productIds.map((productId) => ({ productId, reviews: (options.reviews.get(productId) ?? []).slice(0, limitPerProduct) }));
    },
  };
  const queryFields = schema.getQueryType()!.getFields();
  for (const [name, resolve] of Object.entries(resolvers)) queryFields[name]!.resolve = resolve;

  const cache = new Map<string, CachedDocument>();
  function prepare(query: string): CachedDocument {
    const hit = cache.get(query);
    if (hit) return hit;
    let entry: CachedDocument;
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      const rootFields = new Map<string, string>();
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      for (const op of operations) {
        const names = op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
        rootFields.set(op.name?.value ?? '', [...new Set(names)].join(','));
      }
      if (operations.length === 1) rootFields.set('', rootFields.values().next().value!);
      entry = { document: errors.length ? null : document, errors, rootFields, compiled: new Map() };
    } catch (err) {
      entry = { document: null, errors: [err as GraphQLError], rootFields: new Map(), compiled: new Map() };
    }
    // Bounded: a client sending ever-new query strings must not grow memory without limit.
    if (cache.size >= MAX_CACHED_DOCUMENTS) cache.delete(cache.keys().next().value!);
    cache.set(query, entry);
    return entry;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch {
      body = null;
    }
    const { query, variables, operationName } = (typeof body === 'object' && body !== null ? body : {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    const prepared = typeof query === 'string' ? prepare(query) : null;
    const opName = typeof operationName === 'string' ? operationName : '';
    const operation = prepared?.rootFields.get(opName) || 'invalid';
    const keys = countKeys(variables);
    await serveMonitored({ monitor, secret, req, res, operation, keys, formatError: graphqlErrorBody }, async () => {
      if (!prepared) throw new HttpError(400, 'BAD_REQUEST', 'body must be JSON with a string "query"');
      if (!prepared.document) return sendJson(res, 400, JSON.stringify({ errors: prepared.errors }));
      const variableValues = typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : undefined;
      let compiled = prepared.compiled.get(opName);
      // Only operations the document has are compiled and kept, so odd operationNames cannot grow the cache.
      if (!compiled && prepared.rootFields.has(opName)) {
        prepared.compiled.set(opName, (compiled = compileQuery(schema, prepared.document, opName || undefined)));
      }
      const result = await (compiled && isCompiledQuery(compiled)
        ? compiled.query(undefined, {}, variableValues)
        : execute({ schema, document: prepared.document, variableValues, operationName: opName || undefined }));
      sendJson(res, 200, JSON.stringify(result));
    });
  }

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/graphql' && req.method === 'POST') return void handle(req, res);
    if (path === '/healthz') return sendJson(res, 200, '{"status":"ok"}');
    sendJson(res, 404, graphqlErrorBody('NOT_FOUND', `no route ${req.method} ${path}`));
  });
}

/** Returns how many product ids the variables ask for (the BFF passes ids as variables). */
function countKeys(variables: unknown): number {
  if (typeof variables !== 'object' || variables === null) return 0;
  let n = 0;
  for (const value of Object.values(variables)) if (Array.isArray(value)) n += value.length;
  return n;
}
