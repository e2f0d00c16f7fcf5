import type { CallScope } from '../CallScope.js';
import { RestClient, type RestClientOptions } from './RestClient.js';

export type ShipmentStatusDto = 'label_created' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'returned';

/** One order's parcel, as the shipping service knows it. */
export interface ShipmentDto {
  orderId: string;
  carrier: string;
  trackingNumber: string;
  status: ShipmentStatusDto;
  /** ISO date-time; null once delivered or returned. */
  estimatedDelivery: string | null;
  updatedAt: string;
}

/** The shipping backend (REST). A shipment is keyed by the order it carries. */
export class ShippingApi {
  readonly client: RestClient;

  constructor(options: Omit<RestClientOptions, 'name'>) {
    this.client = new RestClient({ name: 'shipping', ...options });
  }

  /** @returns the shipments of the orders that have one, in any order; orders not shipped are left out. */
  getShipmentsByOrderIds(scope: CallScope, orderIds: readonly string[]): Promise<ShipmentDto[]> {
    return this.client.getByIds<ShipmentDto>(scope, '/shipments', orderIds, 'shipments', (shipment) => shipment.orderId);
  }
}
