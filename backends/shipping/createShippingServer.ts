import { createServer, type Server } from 'node:http';
import type { Order } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { HttpError, sendJson, serveMonitored } from '../common/serveMonitored.js';
import { parseIds } from '../common/parseIds.js';

export interface ShippingServerOptions {
  /** The orders whose parcels this service tracks (the seed's): shipped and delivered ones have one. */
  orders: readonly Order[];
  monitor: ServiceMonitor;
  identitySecret: string;
}

/** The most order ids one `GET /shipments` takes (the BFF's declared batch limit is this). */
export const MAX_SHIPMENT_IDS = 100;

export interface Shipment {
  orderId: string;
  carrier: string;
  trackingNumber: string;
  status: 'label_created' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'returned';
  estimatedDelivery: string | null;
  updatedAt: string;
}

const CARRIERS = ['DHL', 'PostNL', 'UPS', 'DPD'] as const;
const DAY_MS = 86_400_000;

/**
 * @returns the parcel of `order`, or undefined for an order not shipped (pending, paid,
 * cancelled). Derived from the order alone, so tests can compute what the service answers.
 */
export function shipmentOf(order: Order): Shipment | undefined {
  if (order.status !== 'ORDER_STATUS_SHIPPED' && order.status !== 'ORDER_STATUS_DELIVERED') return undefined;
  const n = Number(order.id.replace(/\D/g, '')) || 0;
  const delivered = order.status === 'ORDER_STATUS_DELIVERED';
  return {
    orderId: order.id,
    carrier: CARRIERS[n % CARRIERS.length]!,
    trackingNumber: `TRK${String(n).padStart(9, '0')}`,
    status: delivered ? 'delivered' : n % 3 === 0 ? 'out_for_delivery' : 'in_transit',
    estimatedDelivery: delivered ? null : new Date(order.updatedAtMs + 2 * DAY_MS).toISOString(),
    updatedAt: new Date(order.updatedAtMs).toISOString(),
  };
}

/**
 * Returns the shipping REST service (not yet listening): `GET /shipments?ids=<orderIds>`
 * answers `{ "shipments": [...] }`, leaving out orders without a parcel. Like every demo
 * service it counts calls, injects faults and refuses a call without the BFF's signed identity
 * (401), through serveMonitored.
 */
export function createShippingServer(options: ShippingServerOptions): Server {
  const { monitor, identitySecret: secret } = options;
  const byOrderId = new Map<string, string>();
  for (const order of options.orders) {
    const shipment = shipmentOf(order);
    if (shipment) byOrderId.set(order.id, JSON.stringify(shipment));
  }

  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/shipments' && req.method === 'GET') {
      const idsParam = new URLSearchParams(q === -1 ? '' : url.slice(q + 1)).get('ids');
      void serveMonitored({ monitor, secret, req, res, operation: 'GET /shipments', keys: idsParam?.split(',').length ?? 0 }, () => {
        if (idsParam === null) throw new HttpError(400, 'BAD_REQUEST', 'query parameter ids is required');
        const parts: string[] = [];
        for (const id of parseIds(idsParam, MAX_SHIPMENT_IDS)) {
          const json = byOrderId.get(id);
          if (json) parts.push(json);
        }
        sendJson(res, 200, `{"shipments":[${parts.join(',')}]}`);
      });
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, '{"status":"ok"}');
    sendJson(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } }));
  });
}
