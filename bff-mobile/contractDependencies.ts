import { commonContractDependencies, type ContractDependencies } from '../src/index.js';

const money = ['catalog:Product.price.amountCents', 'catalog:Product.price.currency'];
const orderRow = {
  'OrderRow.id': { reads: ['orders:Order.id'] },
  'OrderRow.status': { reads: ['orders:Order.status'] },
  'OrderRow.statusLabel': { reads: ['orders:Order.status'] },
  'OrderRow.placed': { reads: ['orders:Order.created_at_ms'] },
  'OrderRow.total': { reads: ['orders:Order.total_cents', 'orders:Order.currency'] },
  'OrderRow.itemCount': { reads: ['orders:Order.items', 'orders:LineItem.quantity'] },
  'OrderRow.thumbnails': {
    loaders: ['productById'],
    reads: ['orders:Order.items', 'orders:LineItem.product_id', 'catalog:Product.images.thumb'],
  },
};

/**
 * What each field of bff-mobile's schema is fetched through and shaped from (see
 * resolvers/mobileResolvers.ts and shaping/mobileShapes.ts): `npm run contract:impact` reads it
 * to say which fields and shipped operations a backend contract change touches. Kept true by
 * test/schema/contractImpact.test.ts (every coordinate in the schema, every element in the
 * current contracts).
 */
export const mobileContractDependencies: ContractDependencies = {
  'Home.viewer': { loaders: ['userById'] },
  'MobileViewer.id': { reads: ['users:User.id'] },
  'MobileViewer.firstName': { reads: ['users:User.name'] },
  'MobileViewer.avatarUrl': { reads: ['users:User.avatarUrl'] },
  'Home.recentOrders': { calls: ['orders:OrdersService.ListUserOrders'], reads: ['orders:ListOrdersResponse.orders'] },
  'Query.myOrders': { calls: ['orders:OrdersService.ListUserOrders'], reads: ['orders:ListOrdersResponse.orders'] },
  'OrderHistory.nextCursor': { reads: ['orders:ListOrdersResponse.next_page_token'] },
  ...orderRow,
  'Home.featured': { calls: ['catalog:listProducts'], reads: ['catalog:listProducts.products'] },
  'ProductCard.id': { reads: ['catalog:Product.id'] },
  'ProductCard.title': { reads: ['catalog:Product.title'] },
  'ProductCard.price': { reads: money },
  'ProductCard.imageUrl': { reads: ['catalog:Product.images.small'] },
  'ProductCard.rating': { reads: ['catalog:Product.rating'] },
  'ProductCard.stock': { loaders: ['stockByProductId'], reads: ['inventory:ProductStock.total_available'] },
  'Query.product': { loaders: ['productById'] },
  'ProductScreen.id': { reads: ['catalog:Product.id'] },
  'ProductScreen.title': { reads: ['catalog:Product.title'] },
  'ProductScreen.price': { reads: money },
  'ProductScreen.images': { reads: ['catalog:Product.images.medium'] },
  'ProductScreen.gallery': { reads: ['catalog:Product.images.medium', 'catalog:Product.images.large'] },
  'ProductScreen.description': { reads: ['catalog:Product.description'] },
  'ProductScreen.stock': { loaders: ['stockByProductId'], reads: ['inventory:ProductStock.total_available'] },
  'ProductScreen.rating': { loaders: ['reviewSummaryByProductId'] },
  'RatingSummary.average': { reads: ['reviews:ReviewSummary.averageRating'] },
  'RatingSummary.count': { reads: ['reviews:ReviewSummary.count'] },
  'RatingSummary.label': { reads: ['reviews:ReviewSummary.averageRating', 'reviews:ReviewSummary.count'] },
  'ProductScreen.topReviews': { loaders: ['reviewsByProductId'] },
  'ReviewSnippet.rating': { reads: ['reviews:Review.rating'] },
  'ReviewSnippet.title': { reads: ['reviews:Review.title'] },
  'ReviewSnippet.author': { reads: ['reviews:Review.authorName'] },
  'ReviewSnippet.ago': { reads: ['reviews:Review.createdAt'] },
  ...commonContractDependencies,
  'Mutation.placeOrder': { calls: ['orders:OrdersService.PlaceOrder'], reads: ['orders:PlaceOrderResponse'] },
  'OrderPlaced.order': { reads: ['orders:PlaceOrderResponse.placed'] },
  'Mutation.updateProfile': { calls: ['users:updateUser'] },
  'ProfileUpdated.viewer': { reads: ['users:updateUser'] },
};
