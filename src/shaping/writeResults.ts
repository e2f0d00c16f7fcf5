import type { OrderDto, PlaceOrderResultDto } from '../datasources/grpc/OrdersClient.js';
import type { UserDto, UserRejection } from '../datasources/rest/UsersApi.js';

/**
 * Write outcomes as schema union members (`__typename` set): expected refusals are data,
 * not errors. Each BFF passes its own shaping of the success case. The type names are
 * literals so that the generated resolver types can check them against the union.
 */
export function placeOrderResult<T extends object>(result: PlaceOrderResultDto, placed: (order: OrderDto) => T) {
  switch (result.result) {
    case 'placed':
      return { __typename: 'OrderPlaced' as const, ...placed(result.placed) };
    case 'outOfStock':
      return { __typename: 'OutOfStock' as const, ...result.outOfStock };
    case 'priceChanged':
      return { __typename: 'PriceChanged' as const, ...result.priceChanged };
  }
}

export function updateProfileResult<T extends object>(result: UserDto | UserRejection, updated: (user: UserDto) => T) {
  if ('rejected' in result) return { __typename: 'ProfileRejected' as const, field: result.field, message: result.message };
  return { __typename: 'ProfileUpdated' as const, ...updated(result) };
}
