import type { CallScope } from '../CallScope.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { RestClient, type BatchGet, type RestClientOptions } from './RestClient.js';

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

const shipmentsByOrderIds: BatchGet<ShipmentDto> = {
  path: '/shipments',
  param: 'ids',
  field: 'shipments',
  keyOf: (shipment) => shipment.orderId,
};

/** The shipping backend (REST). A shipment is keyed by the order it carries. */
export class ShippingApi implements DataSource {
  readonly upstream: Upstream;
  private readonly http: RestClient;

  constructor(options: Omit<RestClientOptions, 'name' | 'protocol'>) {
    this.http = new RestClient({ ...options, name: 'shipping' });
    this.upstream = this.http.upstream;
  }

  /** @returns the shipments of the orders that have one, in any order; orders not shipped are left out. */
  getShipmentsByOrderIds(scope: CallScope, orderIds: readonly string[]): Promise<ShipmentDto[]> {
    return this.http.getByIds(scope, shipmentsByOrderIds, orderIds);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
