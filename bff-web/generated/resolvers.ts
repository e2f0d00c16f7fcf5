import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { OrderShape, LineItemShape, ProductShape, CustomerShape } from '../shaping/webShapes.js';
import type { ProductStockDto, ReviewSummaryDto, BffContext } from '../../src/index.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in UTC, as ISO-8601 (`2026-09-30T12:00:00.000Z`). */
  DateTime: { input: Date; output: string | number | Date; }
};

export type Address = {
  __typename?: 'Address';
  city: Scalars['String']['output'];
  country: Scalars['String']['output'];
  line1: Scalars['String']['output'];
  postcode: Scalars['String']['output'];
};

/**
 * Who may keep a response `@cacheControl` allows to be cached: any cache (`PUBLIC`) or only the
 * client's own (`PRIVATE`).
 */
export type CacheControlScope =
  | 'PRIVATE'
  | 'PUBLIC';

export type Category = {
  __typename?: 'Category';
  name: Scalars['String']['output'];
  productCount: Scalars['Int']['output'];
  /** What `products(category:)` takes, e.g. `home-decor`. */
  slug: Scalars['String']['output'];
};

/** What `@criticality` says a field is: `LOW` fields are dropped under load first. */
export type CriticalityLevel =
  | 'LOW'
  | 'NORMAL';

export type Customer = {
  __typename?: 'Customer';
  address?: Maybe<Address>;
  avatarUrl: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Contact details: staff only (scope `customers:read`). */
  email?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  orders?: Maybe<OrderConnection>;
  phone?: Maybe<Scalars['String']['output']>;
  tier: CustomerTier;
};


export type CustomerOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type CustomerTier =
  | 'GOLD'
  | 'PLATINUM'
  | 'STANDARD';

export type ImageSet = {
  __typename?: 'ImageSet';
  large: Scalars['String']['output'];
  medium: Scalars['String']['output'];
  original: Scalars['String']['output'];
  small: Scalars['String']['output'];
  thumb: Scalars['String']['output'];
};

export type LineItem = {
  __typename?: 'LineItem';
  product?: Maybe<Product>;
  quantity: Scalars['Int']['output'];
  subtotal: Money;
  unitPrice: Money;
};

export type Money = {
  __typename?: 'Money';
  amountCents: Scalars['Int']['output'];
  currency: Scalars['String']['output'];
  /** e.g. `€1,234.50`. */
  formatted: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  placeOrder: PlaceOrderResult;
  updateProfile: UpdateProfileResult;
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};


export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};

export type Order = {
  __typename?: 'Order';
  createdAt: Scalars['DateTime']['output'];
  customer?: Maybe<Customer>;
  id: Scalars['ID']['output'];
  itemCount: Scalars['Int']['output'];
  items: Array<LineItem>;
  /** The order's parcel, from the shipping service: null until it ships (or while that service cannot answer). */
  shipment?: Maybe<Shipment>;
  status: OrderStatus;
  total: Money;
  updatedAt: Scalars['DateTime']['output'];
};

/** A page of orders. Cursors are the backend's page tokens: pass `pageInfo.endCursor` as `after`. */
export type OrderConnection = {
  __typename?: 'OrderConnection';
  nodes: Array<Order>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type OrderEvent = {
  __typename?: 'OrderEvent';
  kind: OrderEventKind;
  order: Order;
};

export type OrderEventKind =
  | 'CREATED'
  | 'UPDATED';

export type OrderItemInput = {
  /** The unit price the client showed; a different current price is answered with PriceChanged. */
  expectedUnitPriceCents: Scalars['Int']['input'];
  productId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
};

export type OrderPlaced = {
  __typename?: 'OrderPlaced';
  order: Order;
};

export type OrderStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'PAID'
  | 'PENDING'
  | 'SHIPPED';

/** Not enough stock for one of the items; nothing was ordered. */
export type OutOfStock = {
  __typename?: 'OutOfStock';
  available: Scalars['Int']['output'];
  productId: Scalars['ID']['output'];
  requested: Scalars['Int']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to get the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PlaceOrderInput = {
  /** Makes a client's retry safe: the same key places the order at most once. */
  idempotencyKey: Scalars['String']['input'];
  items: Array<OrderItemInput>;
};

export type PlaceOrderResult = OrderPlaced | OutOfStock | PriceChanged;

/** The price changed since the client showed it; nothing was ordered. */
export type PriceChanged = {
  __typename?: 'PriceChanged';
  actualUnitPriceCents: Scalars['Int']['output'];
  expectedUnitPriceCents: Scalars['Int']['output'];
  productId: Scalars['ID']['output'];
};

export type Product = {
  __typename?: 'Product';
  category: Scalars['String']['output'];
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  images: ImageSet;
  price: Money;
  rating: Scalars['Float']['output'];
  ratingCount: Scalars['Int']['output'];
  reviewSummary?: Maybe<ReviewSummary>;
  reviews?: Maybe<Array<Review>>;
  stock?: Maybe<Stock>;
  title: Scalars['String']['output'];
};


export type ProductReviewsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ProductConnection = {
  __typename?: 'ProductConnection';
  nodes: Array<Product>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ProductSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'RATING_DESC';

/** The users service refused the new profile (e.g. an invalid email); nothing was changed. */
export type ProfileRejected = {
  __typename?: 'ProfileRejected';
  field?: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
};

export type ProfileUpdated = {
  __typename?: 'ProfileUpdated';
  viewer: WebViewer;
};

export type Query = {
  __typename?: 'Query';
  /** The catalog's categories, as the catalog lists them: the values `products(category:)` takes. */
  categories?: Maybe<Array<Category>>;
  /** A customer and their orders. Staff only (scope `customers:read`). */
  customer?: Maybe<Customer>;
  /** One order; null when it does not exist or is not the viewer's (staff see all). */
  order?: Maybe<Order>;
  /** Recent orders across all customers, newest first. Staff only (scope `orders:read:all`). At most 100 per page. */
  orders?: Maybe<OrderConnection>;
  product?: Maybe<Product>;
  /** Catalog browsing, with the filters and sorts the catalog supports. At most 100 per page. A `category` the catalog does not list (see `categories`) is BAD_USER_INPUT naming the argument. */
  products?: Maybe<ProductConnection>;
  viewer?: Maybe<WebViewer>;
};


export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<OrderStatus>;
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  category?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  sort?: InputMaybe<ProductSort>;
};

export type Review = {
  __typename?: 'Review';
  authorName: Scalars['String']['output'];
  body: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  rating: Scalars['Int']['output'];
  title: Scalars['String']['output'];
};

export type ReviewSummary = {
  __typename?: 'ReviewSummary';
  averageRating: Scalars['Float']['output'];
  count: Scalars['Int']['output'];
  /** Counts of 1 to 5 star reviews. */
  histogram: Array<Scalars['Int']['output']>;
};

export type Shipment = {
  __typename?: 'Shipment';
  carrier: Scalars['String']['output'];
  /** When the carrier expects to deliver it; null once delivered or returned. */
  estimatedDelivery?: Maybe<Scalars['DateTime']['output']>;
  status: ShipmentStatus;
  trackingNumber: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type ShipmentStatus =
  | 'DELIVERED'
  | 'IN_TRANSIT'
  | 'LABEL_CREATED'
  | 'OUT_FOR_DELIVERY'
  | 'RETURNED';

export type Stock = {
  __typename?: 'Stock';
  totalAvailable: Scalars['Int']['output'];
  warehouses: Array<WarehouseStock>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * New and changed orders across all customers, as they happen, with full rows (the dashboard's
   * live feed). Staff only (scope `orders:read:all`). Over WebSocket (graphql-transport-ws) on
   * /graphql or SSE on /graphql/stream. Null with an error when the feed's source fails for good.
   */
  orderEvents?: Maybe<OrderEvent>;
};

export type UpdateProfileInput = {
  email?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateProfileResult = ProfileRejected | ProfileUpdated;

export type WarehouseStock = {
  __typename?: 'WarehouseStock';
  available: Scalars['Int']['output'];
  name: Scalars['String']['output'];
  reserved: Scalars['Int']['output'];
  warehouseId: Scalars['ID']['output'];
};

export type WebViewer = {
  __typename?: 'WebViewer';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  scopes: Array<Scalars['String']['output']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  PlaceOrderResult:
    | ( Omit<OrderPlaced, 'order'> & { order: _RefType['Order'] } )
    | ( OutOfStock )
    | ( PriceChanged )
  ;
  UpdateProfileResult:
    | ( ProfileRejected )
    | ( ProfileUpdated )
  ;
};


/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Address: ResolverTypeWrapper<Address>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CacheControlScope: CacheControlScope;
  Category: ResolverTypeWrapper<Category>;
  CriticalityLevel: CriticalityLevel;
  Customer: ResolverTypeWrapper<CustomerShape>;
  CustomerTier: CustomerTier;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  ImageSet: ResolverTypeWrapper<ImageSet>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  LineItem: ResolverTypeWrapper<LineItemShape>;
  Money: ResolverTypeWrapper<Money>;
  Mutation: ResolverTypeWrapper<unknown>;
  Order: ResolverTypeWrapper<OrderShape>;
  OrderConnection: ResolverTypeWrapper<Omit<OrderConnection, 'nodes'> & { nodes: Array<ResolversTypes['Order']> }>;
  OrderEvent: ResolverTypeWrapper<Omit<OrderEvent, 'order'> & { order: ResolversTypes['Order'] }>;
  OrderEventKind: OrderEventKind;
  OrderItemInput: OrderItemInput;
  OrderPlaced: ResolverTypeWrapper<Omit<OrderPlaced, 'order'> & { order: ResolversTypes['Order'] }>;
  OrderStatus: OrderStatus;
  OutOfStock: ResolverTypeWrapper<OutOfStock>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['PlaceOrderResult']>;
  PriceChanged: ResolverTypeWrapper<PriceChanged>;
  Product: ResolverTypeWrapper<ProductShape>;
  ProductConnection: ResolverTypeWrapper<Omit<ProductConnection, 'nodes'> & { nodes: Array<ResolversTypes['Product']> }>;
  ProductSort: ProductSort;
  ProfileRejected: ResolverTypeWrapper<ProfileRejected>;
  ProfileUpdated: ResolverTypeWrapper<ProfileUpdated>;
  Query: ResolverTypeWrapper<unknown>;
  Review: ResolverTypeWrapper<Review>;
  ReviewSummary: ResolverTypeWrapper<ReviewSummaryDto>;
  Shipment: ResolverTypeWrapper<Shipment>;
  ShipmentStatus: ShipmentStatus;
  Stock: ResolverTypeWrapper<ProductStockDto>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<unknown>;
  UpdateProfileInput: UpdateProfileInput;
  UpdateProfileResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['UpdateProfileResult']>;
  WarehouseStock: ResolverTypeWrapper<WarehouseStock>;
  WebViewer: ResolverTypeWrapper<WebViewer>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Address: Address;
  Boolean: Scalars['Boolean']['output'];
  Category: Category;
  Customer: CustomerShape;
  DateTime: Scalars['DateTime']['output'];
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  ImageSet: ImageSet;
  Int: Scalars['Int']['output'];
  LineItem: LineItemShape;
  Money: Money;
  Mutation: unknown;
  Order: OrderShape;
  OrderConnection: Omit<OrderConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['Order']> };
  OrderEvent: Omit<OrderEvent, 'order'> & { order: ResolversParentTypes['Order'] };
  OrderItemInput: OrderItemInput;
  OrderPlaced: Omit<OrderPlaced, 'order'> & { order: ResolversParentTypes['Order'] };
  OutOfStock: OutOfStock;
  PageInfo: PageInfo;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderResult: ResolversUnionTypes<ResolversParentTypes>['PlaceOrderResult'];
  PriceChanged: PriceChanged;
  Product: ProductShape;
  ProductConnection: Omit<ProductConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['Product']> };
  ProfileRejected: ProfileRejected;
  ProfileUpdated: ProfileUpdated;
  Query: unknown;
  Review: Review;
  ReviewSummary: ReviewSummaryDto;
  Shipment: Shipment;
  Stock: ProductStockDto;
  String: Scalars['String']['output'];
  Subscription: unknown;
  UpdateProfileInput: UpdateProfileInput;
  UpdateProfileResult: ResolversUnionTypes<ResolversParentTypes>['UpdateProfileResult'];
  WarehouseStock: WarehouseStock;
  WebViewer: WebViewer;
};

export type AuthDirectiveArgs = {
  scopes?: Array<Scalars['String']['input']>;
};

export type AuthDirectiveResolver<Result, Parent, ContextType = BffContext, Args = AuthDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type CacheControlDirectiveArgs = {
  inheritMaxAge?: Maybe<Scalars['Boolean']['input']>;
  maxAge?: Maybe<Scalars['Int']['input']>;
  scope?: Maybe<CacheControlScope>;
};

export type CacheControlDirectiveResolver<Result, Parent, ContextType = BffContext, Args = CacheControlDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type CriticalityDirectiveArgs = {
  level: CriticalityLevel;
};

export type CriticalityDirectiveResolver<Result, Parent, ContextType = BffContext, Args = CriticalityDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ListSizeDirectiveArgs = {
  max: Scalars['Int']['input'];
};

export type ListSizeDirectiveResolver<Result, Parent, ContextType = BffContext, Args = ListSizeDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AddressResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Address'] = ResolversParentTypes['Address']> = {
  city?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  country?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  line1?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  postcode?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CategoryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Category'] = ResolversParentTypes['Category']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  productCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  slug?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CustomerResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer']> = {
  address?: Resolver<Maybe<ResolversTypes['Address']>, ParentType, ContextType>;
  avatarUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  orders?: Resolver<Maybe<ResolversTypes['OrderConnection']>, ParentType, ContextType, RequireFields<CustomerOrdersArgs, 'first'>>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['CustomerTier'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type ImageSetResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ImageSet'] = ResolversParentTypes['ImageSet']> = {
  large?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  medium?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  original?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  small?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  thumb?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type LineItemResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['LineItem'] = ResolversParentTypes['LineItem']> = {
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  subtotal?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  unitPrice?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
};

export type MoneyResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = {
  amountCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  formatted?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  placeOrder?: Resolver<ResolversTypes['PlaceOrderResult'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
  updateProfile?: Resolver<ResolversTypes['UpdateProfileResult'], ParentType, ContextType, RequireFields<MutationUpdateProfileArgs, 'input'>>;
};

export type OrderResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  itemCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['LineItem']>, ParentType, ContextType>;
  shipment?: Resolver<Maybe<ResolversTypes['Shipment']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type OrderConnectionResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type OrderEventResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderEvent'] = ResolversParentTypes['OrderEvent']> = {
  kind?: Resolver<ResolversTypes['OrderEventKind'], ParentType, ContextType>;
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
};

export type OrderPlacedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderPlaced'] = ResolversParentTypes['OrderPlaced']> = {
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type OutOfStockResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OutOfStock'] = ResolversParentTypes['OutOfStock']> = {
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  requested?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PlaceOrderResultResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PlaceOrderResult'] = ResolversParentTypes['PlaceOrderResult']> = {
  __resolveType: TypeResolveFn<'OrderPlaced' | 'OutOfStock' | 'PriceChanged', ParentType, ContextType>;
};

export type PriceChangedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PriceChanged'] = ResolversParentTypes['PriceChanged']> = {
  actualUnitPriceCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expectedUnitPriceCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ProductResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = {
  category?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['ImageSet'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  rating?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  ratingCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reviewSummary?: Resolver<Maybe<ResolversTypes['ReviewSummary']>, ParentType, ContextType>;
  reviews?: Resolver<Maybe<Array<ResolversTypes['Review']>>, ParentType, ContextType, RequireFields<ProductReviewsArgs, 'first'>>;
  stock?: Resolver<Maybe<ResolversTypes['Stock']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ProductConnectionResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProductConnection'] = ResolversParentTypes['ProductConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['Product']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ProfileRejectedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProfileRejected'] = ResolversParentTypes['ProfileRejected']> = {
  field?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ProfileUpdatedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProfileUpdated'] = ResolversParentTypes['ProfileUpdated']> = {
  viewer?: Resolver<ResolversTypes['WebViewer'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  categories?: Resolver<Maybe<Array<ResolversTypes['Category']>>, ParentType, ContextType>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType, RequireFields<QueryCustomerArgs, 'id'>>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  orders?: Resolver<Maybe<ResolversTypes['OrderConnection']>, ParentType, ContextType, RequireFields<QueryOrdersArgs, 'first'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
  products?: Resolver<Maybe<ResolversTypes['ProductConnection']>, ParentType, ContextType, RequireFields<QueryProductsArgs, 'first' | 'sort'>>;
  viewer?: Resolver<Maybe<ResolversTypes['WebViewer']>, ParentType, ContextType>;
};

export type ReviewResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Review'] = ResolversParentTypes['Review']> = {
  authorName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  rating?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ReviewSummaryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ReviewSummary'] = ResolversParentTypes['ReviewSummary']> = {
  averageRating?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  histogram?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type ShipmentResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Shipment'] = ResolversParentTypes['Shipment']> = {
  carrier?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  estimatedDelivery?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ShipmentStatus'], ParentType, ContextType>;
  trackingNumber?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type StockResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Stock'] = ResolversParentTypes['Stock']> = {
  totalAvailable?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  warehouses?: Resolver<Array<ResolversTypes['WarehouseStock']>, ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  orderEvents?: SubscriptionResolver<Maybe<ResolversTypes['OrderEvent']>, "orderEvents", ParentType, ContextType>;
};

export type UpdateProfileResultResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['UpdateProfileResult'] = ResolversParentTypes['UpdateProfileResult']> = {
  __resolveType: TypeResolveFn<'ProfileRejected' | 'ProfileUpdated', ParentType, ContextType>;
};

export type WarehouseStockResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['WarehouseStock'] = ResolversParentTypes['WarehouseStock']> = {
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  warehouseId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type WebViewerResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['WebViewer'] = ResolversParentTypes['WebViewer']> = {
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = BffContext> = {
  Address?: AddressResolvers<ContextType>;
  Category?: CategoryResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  ImageSet?: ImageSetResolvers<ContextType>;
  LineItem?: LineItemResolvers<ContextType>;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEvent?: OrderEventResolvers<ContextType>;
  OrderPlaced?: OrderPlacedResolvers<ContextType>;
  OutOfStock?: OutOfStockResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PlaceOrderResult?: PlaceOrderResultResolvers<ContextType>;
  PriceChanged?: PriceChangedResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  ProductConnection?: ProductConnectionResolvers<ContextType>;
  ProfileRejected?: ProfileRejectedResolvers<ContextType>;
  ProfileUpdated?: ProfileUpdatedResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Review?: ReviewResolvers<ContextType>;
  ReviewSummary?: ReviewSummaryResolvers<ContextType>;
  Shipment?: ShipmentResolvers<ContextType>;
  Stock?: StockResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  UpdateProfileResult?: UpdateProfileResultResolvers<ContextType>;
  WarehouseStock?: WarehouseStockResolvers<ContextType>;
  WebViewer?: WebViewerResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = BffContext> = {
  auth?: AuthDirectiveResolver<any, any, ContextType>;
  cacheControl?: CacheControlDirectiveResolver<any, any, ContextType>;
  criticality?: CriticalityDirectiveResolver<any, any, ContextType>;
  listSize?: ListSizeDirectiveResolver<any, any, ContextType>;
};
