import type { ContractDependencies } from './contractImpact.js';

/** The write outcomes of schema/common/, shaped by the kit for both BFFs (see contractImpact). */
export const commonContractDependencies: ContractDependencies = {
  'OutOfStock.productId': { reads: ['orders:OutOfStock.product_id'] },
  'OutOfStock.requested': { reads: ['orders:OutOfStock.requested'] },
  'OutOfStock.available': { reads: ['orders:OutOfStock.available'] },
  'PriceChanged.productId': { reads: ['orders:PriceChanged.product_id'] },
  'PriceChanged.expectedUnitPriceCents': { reads: ['orders:PriceChanged.expected_unit_price_cents'] },
  'PriceChanged.actualUnitPriceCents': { reads: ['orders:PriceChanged.actual_unit_price_cents'] },
  'ProfileRejected.field': { reads: ['users:Error.error.field'] },
  'ProfileRejected.message': { reads: ['users:Error.error.message'] },
};
