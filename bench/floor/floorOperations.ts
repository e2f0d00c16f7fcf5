import type { Viewer } from '../../src/auth/Viewer.js';
import type { CallScope } from '../../src/datasources/CallScope.js';
import type { Backends } from '../../src/datasources/createBackends.js';
import type { ProductStockDto } from '../../src/datasources/grpc/InventoryClient.js';
import type { ProductDto } from '../../src/datasources/rest/CatalogApi.js';
import type { UserDto } from '../../src/datasources/rest/UsersApi.js';
import { BffError } from '../../src/errors/BffError.js';
import { ErrorCode } from '../../src/errors/codes.js';
import { pageSize } from '../../src/shaping/format.js';
import { MAX_RECENT_ORDERS } from '../../bff-mobile/resolvers/mobileResolvers.js';
import { toMobileViewer, toOrderRow, toProductCard, toStockBadge } from '../../bff-mobile/shaping/mobileShapes.js';
import { MAX_PAGE, STAFF_CUSTOMERS_SCOPE, STAFF_ORDERS_SCOPE } from '../../bff-web/resolvers/webResolvers.js';
import { toCustomer, toOrder } from '../../bff-web/shaping/webShapes.js';

/**
 * The floor: the benchmark's operations written by hand, without GraphQL. Each makes the
 * same batched backend calls as the BFF, through the same data-source classes (same
 * protocols, same resilience envelope, same identity propagation), in the same dependency
 * order (a product's stock is asked for once its product is known, as the resolver tree
 * does), and returns exactly the BFF's `data` for the operation's selection.
 *
 * It answers only the happy path the benchmark drives: a failing call fails the request.
 * What it leaves out, next to the BFF, is what GraphQL costs: parsing and validating, the
 * executor walking the selection set, per-field resolvers and promises, DataLoader
 * bookkeeping, Apollo's request pipeline and plugins, and fastify.
 */

export interface FloorRequest {
  viewer: Viewer;
  scope: CallScope;
  backends: Backends;
  variables: Record<string, unknown>;
  /** Request start (epoch ms): the clock of relative dates, as `ctx.now` in the BFF. */
  now: number;
}

export type FloorOperation = (request: FloorRequest) => Promise<unknown>;

function intVar(variables: Record<string, unknown>, name: string): number | undefined {
  const value = variables[name];
  return typeof value === 'number' ? value : undefined;
}

function stringVar(variables: Record<string, unknown>, name: string): string | undefined {
  const value = variables[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function byId<T extends { id: string }>(list: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of list) map.set(item.id, item);
  return map;
}

/** bff-mobile `Home` (bff-mobile/operations/Home.graphql). */
export const floorHome: FloorOperation = async ({ viewer, scope, backends, variables, now }) => {
  const userId = viewer.userId;
  if (userId === undefined) throw new BffError(ErrorCode.UNAUTHENTICATED, 'Sign in to see this.');
  const featuredFirst = pageSize(intVar(variables, 'featured') ?? 6, 6, 20);

  // Level 1: the three root fields at once. Level 2 starts per branch as soon as its parent
  // is known, as the resolver tree does: stock once the featured page is in, thumbnails once
  // the orders are (minus products the featured page already brought).
  const featured = backends.catalog.listProducts(scope, { sort: 'rating_desc', limit: featuredFirst }).then(async (page) => {
    const stocks = page.products.length
      ? await backends.inventory.batchGetStock(
          scope,
          page.products.map((p) => p.id),
        )
      : [];
    const stockById = new Map<string, ProductStockDto>();
    for (const stock of stocks) stockById.set(stock.productId, stock);
    const cards = page.products.map((product) => ({ ...toProductCard(product), stock: toStockBadge(stockById.get(product.id) ?? null) }));
    return { products: page.products, cards };
  });
  const [user, recent, { products: featuredProducts, cards }] = await Promise.all([
    backends.users.getUsersByIds(scope, [userId]),
    backends.orders.listUserOrders(scope, { userId, pageSize: pageSize(intVar(variables, 'recent') ?? 5, 5, MAX_RECENT_ORDERS) }),
    featured,
  ]);
  const rows = recent.orders.map((order) => toOrderRow(order, now));
  // The BFF primes its product loader with the featured page: only the others are fetched.
  const products = byId<ProductDto>(featuredProducts);
  const missing = [...new Set(rows.flatMap((row) => row.thumbnailProductIds))].filter((id) => !products.has(id));
  if (missing.length) for (const product of await backends.catalog.getProductsByIds(scope, missing)) products.set(product.id, product);
  return {
    home: {
      viewer: user[0] ? toMobileViewer(user[0]) : null,
      recentOrders: rows.map((row) => ({
        id: row.id,
        status: row.status,
        statusLabel: row.statusLabel,
        placed: row.placed,
        total: row.total,
        itemCount: row.itemCount,
        // A product the catalog no longer has is left out of the strip, as in the BFF.
        thumbnails: row.thumbnailProductIds.flatMap((id) => products.get(id)?.images.thumb ?? []),
      })),
      featured: cards,
    },
  };
};

/** bff-web `OrdersTable` (bff-web/operations/OrdersTable.graphql). */
export const floorOrdersTable: FloorOperation = async ({ viewer, scope, backends, variables }) => {
  if (!viewer.scopes.has(STAFF_ORDERS_SCOPE)) throw new BffError(ErrorCode.FORBIDDEN, `This needs the ${STAFF_ORDERS_SCOPE} scope.`);
  const after = stringVar(variables, 'after');
  const page = await backends.orders.listRecentOrders(scope, {
    pageSize: pageSize(intVar(variables, 'first') ?? 50, 20, MAX_PAGE),
    ...(after && { pageToken: after }),
  });
  // Level 2: customers and products at once, then level 3: stock of the products found.
  const userIds = [...new Set(page.orders.map((order) => order.userId))];
  const productIds = [...new Set(page.orders.flatMap((order) => order.items.map((item) => item.productId)))];
  const [users, productList] = await Promise.all([
    userIds.length ? backends.users.getUsersByIds(scope, userIds) : ([] as UserDto[]),
    productIds.length ? backends.catalog.getProductsByIds(scope, productIds) : ([] as ProductDto[]),
  ]);
  const stockList = productList.length
    ? await backends.inventory.batchGetStock(
        scope,
        productList.map((p) => p.id),
      )
    : [];
  const usersById = byId(users);
  const products = byId(productList);
  const stockById = new Map<string, ProductStockDto>();
  for (const stock of stockList) stockById.set(stock.productId, stock);
  const seesContact = viewer.scopes.has(STAFF_CUSTOMERS_SCOPE);

  return {
    orders: {
      totalCount: page.totalSize,
      pageInfo: { hasNextPage: page.nextPageToken !== '', endCursor: page.nextPageToken || null },
      nodes: page.orders.map((dto) => {
        const order = toOrder(dto);
        const user = usersById.get(dto.userId);
        const customer = user ? toCustomer(user) : null;
        return {
          id: order.id,
          status: order.status,
          createdAt: new Date(order.createdAt).toISOString(),
          updatedAt: new Date(order.updatedAt).toISOString(),
          itemCount: order.itemCount,
          total: order.total,
          customer:
            customer === null
              ? null
              : {
                  id: customer.id,
                  name: customer.name,
                  email: seesContact || viewer.userId === customer.id ? customer.email : null,
                  tier: customer.tier,
                },
          items: order.items.map((item) => {
            const product = products.get(item.productId);
            const stock = product ? stockById.get(product.id) : undefined;
            return {
              quantity: item.quantity,
              unitPrice: { amountCents: item.unitPrice.amountCents, formatted: item.unitPrice.formatted },
              subtotal: { formatted: item.subtotal.formatted },
              product:
                product === undefined
                  ? null
                  : {
                      id: product.id,
                      title: product.title,
                      category: product.category,
                      images: { thumb: product.images.thumb },
                      stock: stock ? { totalAvailable: stock.totalAvailable } : null,
                    },
            };
          }),
        };
      }),
    },
  };
};

/** The floor's operations by name: what the benchmark sends as `operationName`. */
export const floorOperations: Readonly<Record<string, FloorOperation>> = {
  Home: floorHome,
  OrdersTable: floorOrdersTable,
};
