/**
 * The reviews service's contract: the SDL it serves. `npm run codegen` generates from it the
 * types of the kit's documents (src/datasources/graphql/reviews.graphql) and the server's own
 * resolver types, into src/datasources/generated/graphql/; `npm run contract:impact` compares a
 * changed SDL with it. A module of its own so that the codegen script and the checks read the
 * contract without loading the server.
 */
export const REVIEWS_SDL = `
type Query {
  reviewSummaries(productIds: [ID!]!): [ReviewSummary!]!
  reviews(productIds: [ID!]!, limitPerProduct: Int = 3): [ProductReviews!]!
}
type ReviewSummary { productId: ID! averageRating: Float! count: Int! histogram: [Int!]! }
type ProductReviews { productId: ID! reviews: [Review!]! }
type Review { id: ID! productId: ID! authorName: String! rating: Int! title: String! body: String! createdAt: String! }
`;
