import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { MobileViewerShape, ProductCardShape, ProductScreenShape, OrderRowShape, OrderStatusUpdateShape } from '../shaping/mobileShapes.js';
import type { BffContext } from '../../src/index.js';
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

/**
 * Who may keep a response `@cacheControl` allows to be cached: any cache (`PUBLIC`) or only the
 * client's own (`PRIVATE`).
 */
export type CacheControlScope =
  | 'PRIVATE'
  | 'PUBLIC';

/** What `@criticality` says a field is: `LOW` fields are dropped under load first. */
export type CriticalityLevel =
  | 'LOW'
  | 'NORMAL';

export type EventPropertyInput = {
  key: Scalars['String']['input'];
  value: Scalars['String']['input'];
};

/** A queued analytics event; `eventId` is the key it is counted under. */
export type EventTracked = {
  __typename?: 'EventTracked';
  eventId: Scalars['ID']['output'];
};

export type Home = {
  __typename?: 'Home';
  /** Top-rated products. At most 20. */
  featured?: Maybe<Array<ProductCard>>;
  /** The viewer's latest orders (empty when anonymous). At most 10. */
  recentOrders?: Maybe<Array<OrderRow>>;
  viewer?: Maybe<MobileViewer>;
};


export type HomeFeaturedArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type HomeRecentOrdersArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type MobileViewer = {
  __typename?: 'MobileViewer';
  avatarUrl: Scalars['String']['output'];
  firstName: Scalars['String']['output'];
  id: Scalars['ID']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Places an order for the signed-in viewer. Expected refusals are result types, not errors. */
  placeOrder: PlaceOrderResult;
  /**
   * Asks to return one of the viewer's orders. Queued: answered at once with a ticket, and the
   * returns service decides later. Send an `Idempotency-Key` header (or `idempotencyKey`): a retry
   * with the same key is the same request and gets the same ticket.
   */
  requestReturn: ReturnRequested;
  /**
   * Records an analytics event (anonymous callers too). Queued: answered at once; delivered at
   * least once and counted once per idempotency key.
   */
  trackEvent: EventTracked;
  /** Updates the signed-in viewer's profile. */
  updateProfile: UpdateProfileResult;
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};


export type MutationRequestReturnArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  orderId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationTrackEventArgs = {
  input: TrackEventInput;
};


export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};

export type OrderHistory = {
  __typename?: 'OrderHistory';
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor?: Maybe<Scalars['String']['output']>;
  orders: Array<OrderRow>;
};

export type OrderItemInput = {
  /** The unit price the client showed; a different current price is answered with PriceChanged. */
  expectedUnitPriceCents: Scalars['Int']['input'];
  productId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
};

export type OrderPlaced = {
  __typename?: 'OrderPlaced';
  order: OrderRow;
};

export type OrderRow = {
  __typename?: 'OrderRow';
  id: Scalars['ID']['output'];
  itemCount: Scalars['Int']['output'];
  /** When it was placed, e.g. `3 days ago`. */
  placed: Scalars['String']['output'];
  status: OrderStatus;
  /** e.g. `Shipped`. */
  statusLabel: Scalars['String']['output'];
  /** Thumbnails (64 px) of the first three products. */
  thumbnails?: Maybe<Array<Scalars['String']['output']>>;
  /** Formatted total, e.g. `€42.10`. */
  total: Scalars['String']['output'];
};

export type OrderStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'PAID'
  | 'PENDING'
  | 'SHIPPED';

export type OrderStatusUpdate = {
  __typename?: 'OrderStatusUpdate';
  orderId: Scalars['ID']['output'];
  status: OrderStatus;
  /** e.g. `Shipped`. */
  statusLabel: Scalars['String']['output'];
  /** When the status changed, e.g. `just now`. */
  updated: Scalars['String']['output'];
};

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

export type ProductCard = {
  __typename?: 'ProductCard';
  id: Scalars['ID']['output'];
  /** The small (200 px) image. */
  imageUrl: Scalars['String']['output'];
  /** Formatted for display, e.g. `€12.34`. */
  price: Scalars['String']['output'];
  rating: Scalars['Float']['output'];
  /** Null when inventory cannot be reached. */
  stock?: Maybe<StockBadge>;
  title: Scalars['String']['output'];
};

/** One image of a product in one size. */
export type ProductImage = {
  __typename?: 'ProductImage';
  url: Scalars['String']['output'];
  /** Width in pixels; the height follows the image's aspect ratio. */
  width: Scalars['Int']['output'];
};

export type ProductScreen = {
  __typename?: 'ProductScreen';
  /** At most 280 characters. */
  description: Scalars['String']['output'];
  /** The product's images, each in the sizes the app draws (400 and 800 px wide), smallest first. */
  gallery: Array<ProductImage>;
  id: Scalars['ID']['output'];
  /**
   * Medium (400 px) images.
   * @deprecated Use `gallery`: each image with its width, in 400 and 800 px, so the app picks one for the screen's density. Remove when no app version selects `images` (npm run schema:usage).
   */
  images: Array<Scalars['String']['output']>;
  price: Scalars['String']['output'];
  rating?: Maybe<RatingSummary>;
  stock?: Maybe<StockBadge>;
  title: Scalars['String']['output'];
  topReviews?: Maybe<Array<ReviewSnippet>>;
};

/** The users service refused the new profile (e.g. an invalid email); nothing was changed. */
export type ProfileRejected = {
  __typename?: 'ProfileRejected';
  field?: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
};

export type ProfileUpdated = {
  __typename?: 'ProfileUpdated';
  viewer: MobileViewer;
};

export type Query = {
  __typename?: 'Query';
  /** The home screen: the signed-in viewer (null when anonymous), their latest orders, featured products. */
  home: Home;
  /** The signed-in viewer's order history, newest first. Requires a signed-in user. */
  myOrders?: Maybe<OrderHistory>;
  /** The product screen; null when the product does not exist. */
  product?: Maybe<ProductScreen>;
};


export type QueryMyOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};

export type RatingSummary = {
  __typename?: 'RatingSummary';
  average: Scalars['Float']['output'];
  count: Scalars['Int']['output'];
  /** e.g. `4.3 ★ (127)`. */
  label: Scalars['String']['output'];
};

/** A queued return request: the returns service will decide on it. The same idempotency key always gets the same ticket. */
export type ReturnRequested = {
  __typename?: 'ReturnRequested';
  orderId: Scalars['ID']['output'];
  ticketId: Scalars['ID']['output'];
};

export type ReviewSnippet = {
  __typename?: 'ReviewSnippet';
  /** e.g. `3 days ago`. */
  ago: Scalars['String']['output'];
  author: Scalars['String']['output'];
  rating: Scalars['Int']['output'];
  title: Scalars['String']['output'];
};

export type StockBadge =
  | 'IN_STOCK'
  | 'LOW_STOCK'
  | 'OUT_OF_STOCK';

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Status changes of one of the signed-in viewer's orders, starting with its current status;
   * completes when the order is delivered or cancelled. Over WebSocket (graphql-transport-ws) on
   * /graphql or SSE on /graphql/stream. Null with an error when the orders service cannot be
   * reached after retries (UPSTREAM_UNAVAILABLE); refused with FORBIDDEN for another user's order.
   */
  orderStatus?: Maybe<OrderStatusUpdate>;
};


export type SubscriptionOrderStatusArgs = {
  orderId: Scalars['ID']['input'];
};

export type TrackEventInput = {
  /** Makes a client's retry safe; the `Idempotency-Key` header does the same. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** e.g. `product_viewed`: lower case, digits, `_` and `.`, at most 64 characters. */
  name: Scalars['String']['input'];
  /** When it happened on the device; default: when the BFF received it. */
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** At most 20, each key at most 64 and each value at most 256 characters. */
  properties?: InputMaybe<Array<EventPropertyInput>>;
};

export type UpdateProfileInput = {
  email?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateProfileResult = ProfileRejected | ProfileUpdated;



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
    | ( Omit<OrderPlaced, 'order'> & { order: _RefType['OrderRow'] } )
    | ( OutOfStock )
    | ( PriceChanged )
  ;
  UpdateProfileResult:
    | ( ProfileRejected )
    | ( Omit<ProfileUpdated, 'viewer'> & { viewer: _RefType['MobileViewer'] } )
  ;
};


/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CacheControlScope: CacheControlScope;
  CriticalityLevel: CriticalityLevel;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  EventPropertyInput: EventPropertyInput;
  EventTracked: ResolverTypeWrapper<EventTracked>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Home: ResolverTypeWrapper<{}>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  MobileViewer: ResolverTypeWrapper<MobileViewerShape>;
  Mutation: ResolverTypeWrapper<unknown>;
  OrderHistory: ResolverTypeWrapper<Omit<OrderHistory, 'orders'> & { orders: Array<ResolversTypes['OrderRow']> }>;
  OrderItemInput: OrderItemInput;
  OrderPlaced: ResolverTypeWrapper<Omit<OrderPlaced, 'order'> & { order: ResolversTypes['OrderRow'] }>;
  OrderRow: ResolverTypeWrapper<OrderRowShape>;
  OrderStatus: OrderStatus;
  OrderStatusUpdate: ResolverTypeWrapper<OrderStatusUpdateShape>;
  OutOfStock: ResolverTypeWrapper<OutOfStock>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['PlaceOrderResult']>;
  PriceChanged: ResolverTypeWrapper<PriceChanged>;
  ProductCard: ResolverTypeWrapper<ProductCardShape>;
  ProductImage: ResolverTypeWrapper<ProductImage>;
  ProductScreen: ResolverTypeWrapper<ProductScreenShape>;
  ProfileRejected: ResolverTypeWrapper<ProfileRejected>;
  ProfileUpdated: ResolverTypeWrapper<Omit<ProfileUpdated, 'viewer'> & { viewer: ResolversTypes['MobileViewer'] }>;
  Query: ResolverTypeWrapper<unknown>;
  RatingSummary: ResolverTypeWrapper<RatingSummary>;
  ReturnRequested: ResolverTypeWrapper<ReturnRequested>;
  ReviewSnippet: ResolverTypeWrapper<ReviewSnippet>;
  StockBadge: StockBadge;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<unknown>;
  TrackEventInput: TrackEventInput;
  UpdateProfileInput: UpdateProfileInput;
  UpdateProfileResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['UpdateProfileResult']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  DateTime: Scalars['DateTime']['output'];
  EventPropertyInput: EventPropertyInput;
  EventTracked: EventTracked;
  Float: Scalars['Float']['output'];
  Home: {};
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  MobileViewer: MobileViewerShape;
  Mutation: unknown;
  OrderHistory: Omit<OrderHistory, 'orders'> & { orders: Array<ResolversParentTypes['OrderRow']> };
  OrderItemInput: OrderItemInput;
  OrderPlaced: Omit<OrderPlaced, 'order'> & { order: ResolversParentTypes['OrderRow'] };
  OrderRow: OrderRowShape;
  OrderStatusUpdate: OrderStatusUpdateShape;
  OutOfStock: OutOfStock;
  PageInfo: PageInfo;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderResult: ResolversUnionTypes<ResolversParentTypes>['PlaceOrderResult'];
  PriceChanged: PriceChanged;
  ProductCard: ProductCardShape;
  ProductImage: ProductImage;
  ProductScreen: ProductScreenShape;
  ProfileRejected: ProfileRejected;
  ProfileUpdated: Omit<ProfileUpdated, 'viewer'> & { viewer: ResolversParentTypes['MobileViewer'] };
  Query: unknown;
  RatingSummary: RatingSummary;
  ReturnRequested: ReturnRequested;
  ReviewSnippet: ReviewSnippet;
  String: Scalars['String']['output'];
  Subscription: unknown;
  TrackEventInput: TrackEventInput;
  UpdateProfileInput: UpdateProfileInput;
  UpdateProfileResult: ResolversUnionTypes<ResolversParentTypes>['UpdateProfileResult'];
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

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type EventTrackedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['EventTracked'] = ResolversParentTypes['EventTracked']> = {
  eventId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type HomeResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Home'] = ResolversParentTypes['Home']> = {
  featured?: Resolver<Maybe<Array<ResolversTypes['ProductCard']>>, ParentType, ContextType, RequireFields<HomeFeaturedArgs, 'first'>>;
  recentOrders?: Resolver<Maybe<Array<ResolversTypes['OrderRow']>>, ParentType, ContextType, RequireFields<HomeRecentOrdersArgs, 'first'>>;
  viewer?: Resolver<Maybe<ResolversTypes['MobileViewer']>, ParentType, ContextType>;
};

export type MobileViewerResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['MobileViewer'] = ResolversParentTypes['MobileViewer']> = {
  avatarUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  firstName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  placeOrder?: Resolver<ResolversTypes['PlaceOrderResult'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
  requestReturn?: Resolver<ResolversTypes['ReturnRequested'], ParentType, ContextType, RequireFields<MutationRequestReturnArgs, 'orderId'>>;
  trackEvent?: Resolver<ResolversTypes['EventTracked'], ParentType, ContextType, RequireFields<MutationTrackEventArgs, 'input'>>;
  updateProfile?: Resolver<ResolversTypes['UpdateProfileResult'], ParentType, ContextType, RequireFields<MutationUpdateProfileArgs, 'input'>>;
};

export type OrderHistoryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderHistory'] = ResolversParentTypes['OrderHistory']> = {
  nextCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  orders?: Resolver<Array<ResolversTypes['OrderRow']>, ParentType, ContextType>;
};

export type OrderPlacedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderPlaced'] = ResolversParentTypes['OrderPlaced']> = {
  order?: Resolver<ResolversTypes['OrderRow'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type OrderRowResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderRow'] = ResolversParentTypes['OrderRow']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  itemCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  placed?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  statusLabel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  thumbnails?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  total?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type OrderStatusUpdateResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderStatusUpdate'] = ResolversParentTypes['OrderStatusUpdate']> = {
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  statusLabel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updated?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
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

export type ProductCardResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProductCard'] = ResolversParentTypes['ProductCard']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  imageUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rating?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  stock?: Resolver<Maybe<ResolversTypes['StockBadge']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ProductImageResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProductImage'] = ResolversParentTypes['ProductImage']> = {
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ProductScreenResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProductScreen'] = ResolversParentTypes['ProductScreen']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  gallery?: Resolver<Array<ResolversTypes['ProductImage']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  price?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rating?: Resolver<Maybe<ResolversTypes['RatingSummary']>, ParentType, ContextType>;
  stock?: Resolver<Maybe<ResolversTypes['StockBadge']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  topReviews?: Resolver<Maybe<Array<ResolversTypes['ReviewSnippet']>>, ParentType, ContextType>;
};

export type ProfileRejectedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProfileRejected'] = ResolversParentTypes['ProfileRejected']> = {
  field?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ProfileUpdatedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ProfileUpdated'] = ResolversParentTypes['ProfileUpdated']> = {
  viewer?: Resolver<ResolversTypes['MobileViewer'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  home?: Resolver<ResolversTypes['Home'], ParentType, ContextType>;
  myOrders?: Resolver<Maybe<ResolversTypes['OrderHistory']>, ParentType, ContextType, RequireFields<QueryMyOrdersArgs, 'first'>>;
  product?: Resolver<Maybe<ResolversTypes['ProductScreen']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
};

export type RatingSummaryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['RatingSummary'] = ResolversParentTypes['RatingSummary']> = {
  average?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ReturnRequestedResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ReturnRequested'] = ResolversParentTypes['ReturnRequested']> = {
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ticketId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type ReviewSnippetResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['ReviewSnippet'] = ResolversParentTypes['ReviewSnippet']> = {
  ago?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  author?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rating?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  orderStatus?: SubscriptionResolver<Maybe<ResolversTypes['OrderStatusUpdate']>, "orderStatus", ParentType, ContextType, RequireFields<SubscriptionOrderStatusArgs, 'orderId'>>;
};

export type UpdateProfileResultResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['UpdateProfileResult'] = ResolversParentTypes['UpdateProfileResult']> = {
  __resolveType: TypeResolveFn<'ProfileRejected' | 'ProfileUpdated', ParentType, ContextType>;
};

export type Resolvers<ContextType = BffContext> = {
  DateTime?: GraphQLScalarType;
  EventTracked?: EventTrackedResolvers<ContextType>;
  Home?: HomeResolvers<ContextType>;
  MobileViewer?: MobileViewerResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  OrderHistory?: OrderHistoryResolvers<ContextType>;
  OrderPlaced?: OrderPlacedResolvers<ContextType>;
  OrderRow?: OrderRowResolvers<ContextType>;
  OrderStatusUpdate?: OrderStatusUpdateResolvers<ContextType>;
  OutOfStock?: OutOfStockResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PlaceOrderResult?: PlaceOrderResultResolvers<ContextType>;
  PriceChanged?: PriceChangedResolvers<ContextType>;
  ProductCard?: ProductCardResolvers<ContextType>;
  ProductImage?: ProductImageResolvers<ContextType>;
  ProductScreen?: ProductScreenResolvers<ContextType>;
  ProfileRejected?: ProfileRejectedResolvers<ContextType>;
  ProfileUpdated?: ProfileUpdatedResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RatingSummary?: RatingSummaryResolvers<ContextType>;
  ReturnRequested?: ReturnRequestedResolvers<ContextType>;
  ReviewSnippet?: ReviewSnippetResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  UpdateProfileResult?: UpdateProfileResultResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = BffContext> = {
  auth?: AuthDirectiveResolver<any, any, ContextType>;
  cacheControl?: CacheControlDirectiveResolver<any, any, ContextType>;
  criticality?: CriticalityDirectiveResolver<any, any, ContextType>;
  listSize?: ListSizeDirectiveResolver<any, any, ContextType>;
};
