import type { CallScope } from '../CallScope.js';
import type { DataSource } from '../DataSource.js';
import type { components } from '../generated/openapi/shipping.js';
import type { Upstream } from '../Upstream.js';
import { RestClient, type BatchGet, type RestClientOptions } from './RestClient.js';

// The shipping service's types, generated from its OpenAPI document
// (backends/shipping/shippingOpenApi.ts, npm run codegen).
/** One order's parcel, as the shipping service knows it; `estimatedDelivery` is null once delivered or returned. */
export type ShipmentDto = components['schemas']['Shipment'];
export type ShipmentStatusDto = ShipmentDto['status'];

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
