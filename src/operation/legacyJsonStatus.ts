import { ErrorCode } from '../errors/codes.js';
import type { FormattedResult } from './formatResult.js';

/**
 * The GraphQL request errors of the GraphQL-over-HTTP specification: the document does not
 * parse, does not validate, names no operation it holds, or its variables do not coerce
 * (Apollo codes the last BAD_USER_INPUT). Each ends the request before execution, with no `data`.
 */
const REQUEST_ERROR_CODES: ReadonlySet<unknown> = new Set([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.BAD_USER_INPUT,
]);

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/**
 * GraphQL over HTTP, for the legacy `application/json` response: the specification says a
 * server SHOULD answer every well-formed GraphQL-over-HTTP request with 200 when it responds
 * with `application/json` (clients of that media type read `errors`, not the status), and
 * reserves 4xx for `application/graphql-response+json`, whose clients can tell "the request
 * was refused" from "a field failed" by the status. Apollo Server answers the request errors
 * (parse, validation, operation resolution, variable coercion) 400 whatever the client accepts;
 * this turns those 400s into 200s when Apollo's own content negotiation picks `application/json`
 * (no `accept`, a wildcard, or `application/json` preferred). Nothing else changes: the edge's own
 * refusals (401, 403, 429, the operation limits' 400) keep their status on purpose, as in
 * README.md's error table, and `application/graphql-response+json` keeps the 400.
 *
 * Part of the last step (formatResult), on every path: Apollo's adapter applies it to Apollo's
 * responses, the fast path to its refusals (an argument refused as BAD_USER_INPUT).
 * test/contract/graphqlOverHttp.test.ts runs graphql-http's server audits against both BFFs.
 *
 * @returns the status to answer with.
 */
export function legacyJsonStatus(status: number | undefined, result: FormattedResult, accept: string | undefined): number | undefined {
  if (status !== 400 || result.data !== undefined || !result.errors?.length) return status;
  if (!result.errors.every((e) => REQUEST_ERROR_CODES.has(e.extensions?.code))) return status;
  return negotiatedType(accept) === JSON_TYPE ? 200 : status;
}

/**
 * @returns the media type Apollo Server answers a single result with for this `accept` header
 * (its chooseContentTypeForSingleResultResponse, through `negotiator`): `application/json`
 * without a header; otherwise the one of the two with the higher quality, then the more
 * specific match, then the one listed first in the header, then `application/json`;
 * undefined when neither is acceptable.
 */
export function negotiatedType(accept: string | undefined): string | undefined {
  if (!accept) return JSON_TYPE;
  const ranked = [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]
    .map((type, index) => ({ type, index, ...bestMatch(accept, type) }))
    .filter((m) => m.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.order - b.order || a.index - b.index);
  return ranked[0]?.type;
}

/** The accept entry that matches `type` most specifically: its quality, specificity and position. */
function bestMatch(accept: string, type: string): { q: number; specificity: number; order: number } {
  const [family] = type.split('/');
  let best = { q: 0, specificity: -1, order: Number.MAX_SAFE_INTEGER };
  accept.split(',').forEach((entry, order) => {
    const [range = '', ...params] = entry.split(';').map((s) => s.trim().toLowerCase());
    const specificity = range === type ? 2 : range === `${family}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity <= best.specificity) return;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    best = { q: Number.isFinite(q) ? q : 0, specificity, order };
  });
  return best;
}
