import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { buildSchema, isObjectType } from 'graphql';
import { catalogOpenApi } from '../../backends/catalog/catalogOpenApi.js';
import { REVIEWS_SDL } from '../../backends/reviews/createReviewsServer.js';
import { shippingOpenApi } from '../../backends/shipping/shippingOpenApi.js';
import { usersOpenApi } from '../../backends/users/usersOpenApi.js';
import { mobileContractDependencies } from '../../bff-mobile/contractDependencies.js';
import { webContractDependencies } from '../../bff-web/contractDependencies.js';
import {
  contractImpact,
  diffOpenApi,
  diffProto,
  LOADER_CALLS,
  openApiElements,
  protoElements,
  type ContractChange,
  type ContractDependencies,
} from '../../src/schema/governance/contractImpact.js';
import { buildLiveSchema, readShippedOperations } from '../../src/schema/governance/schemaFiles.js';

// `npm run contract:impact`: a changed backend contract in, per BFF the fields, loaders and
// shipped operations that depend on the change out.

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEPENDENCIES: Record<'mobile' | 'web', ContractDependencies> = { mobile: mobileContractDependencies, web: webContractDependencies };
const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const impactOf = (backend: string, changes: ContractChange[], usage = []) =>
  Object.fromEntries(
    (['mobile', 'web'] as const).map((bff) => [
      bff,
      contractImpact({
        bff,
        backend,
        changes,
        schema: buildLiveSchema(root, bff),
        dependencies: DEPENDENCIES[bff],
        operations: readShippedOperations(root, bff),
        usage,
      }),
    ]),
  );

describe('contract impact', () => {
  it('the dependency tables name fields of their schemas and elements of the current contracts', () => {
    const reviews = buildSchema(REVIEWS_SDL);
    const reviewElements = new Set<string>();
    for (const type of Object.values(reviews.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      reviewElements.add(type.name);
      for (const field of Object.keys(type.getFields())) reviewElements.add(`${type.name}.${field}`);
    }
    const elements: Record<string, Set<string>> = {
      catalog: openApiElements(catalogOpenApi),
      users: openApiElements(usersOpenApi),
      shipping: openApiElements(shippingOpenApi),
      orders: protoElements(join(root, 'protos/orders/v1/orders.proto')),
      inventory: protoElements(join(root, 'protos/inventory/v1/inventory.proto')),
      reviews: reviewElements,
    };
    const known = (element: string) => {
      const [backend, name] = element.split(':') as [string, string];
      return elements[backend]?.has(name) ?? false;
    };
    for (const { call, returns } of Object.values(LOADER_CALLS)) {
      assert.ok(known(call), call);
      assert.ok(known(returns), returns);
    }
    for (const [bff, table] of Object.entries(DEPENDENCIES)) {
      const schema = buildLiveSchema(root, bff);
      for (const [coordinate, dependency] of Object.entries(table)) {
        const [type, field] = coordinate.split('.') as [string, string];
        const named = schema.getType(type);
        assert.ok(named && isObjectType(named) && named.getFields()[field], `bff-${bff}: ${coordinate} is not in the schema`);
        for (const element of [...(dependency.calls ?? []), ...(dependency.reads ?? [])])
          assert.ok(known(element), `bff-${bff}: ${coordinate} reads ${element}, which no current contract defines`);
      }
    }
  });

  it('catalog dropping images.medium: the mobile product screen and the web product page, not the orders table', () => {
    const next = structuredClone(catalogOpenApi) as {
      components: { schemas: { Product: { properties: { images: { properties: Record<string, unknown>; required: string[] } } } } };
    };
    delete next.components.schemas.Product.properties.images.properties.medium;
    next.components.schemas.Product.properties.images.required = ['thumb', 'small', 'large', 'original'];
    const changes = diffOpenApi(catalogOpenApi, next);
    assert.deepEqual(changes, [{ element: 'Product.images.medium', change: 'removed' }]);

    const impact = impactOf('catalog', changes, [
      { bff: 'mobile', field: 'ProductScreen.images', clientName: 'shop-ios', clientVersion: '2.3.0', count: 12 },
      { bff: 'mobile', field: 'ProductScreen.gallery', clientName: 'shop-ios', clientVersion: '3.0.0', count: 0 },
    ] as never);
    assert.deepEqual(impact.mobile!.fields.map((f) => f.coordinate).sort(), ['ProductScreen.gallery', 'ProductScreen.images']);
    assert.deepEqual(impact.mobile!.operations, [
      { name: 'ProductScreen', fields: ['ProductScreen.images'], versions: ['shop-ios 2.3.0'] },
    ]);
    assert.deepEqual(impact.mobile!.loaders, ['productById']);
    assert.deepEqual(
      impact.web!.fields.map((f) => f.coordinate),
      ['ImageSet.medium'],
    );
    assert.deepEqual(
      impact.web!.operations.map((o) => o.name),
      ['ProductPage'],
    );
  });

  it('an operation removed or a property made optional is a change; an added property is not', () => {
    const next = structuredClone(usersOpenApi) as {
      paths: Record<string, unknown>;
      components: { schemas: { User: { required: string[]; properties: Record<string, unknown> } } };
    };
    next.components.schemas.User.required = next.components.schemas.User.required.filter((name) => name !== 'phone');
    next.components.schemas.User.properties.nickname = { type: 'string' };
    const patch = Object.keys(next.paths).find((path) => path.includes('{id}'))!;
    delete (next.paths[patch] as Record<string, unknown>).patch;
    const changes = diffOpenApi(usersOpenApi, next);
    assert.deepEqual(changes, [
      { element: 'updateUser', change: 'operation removed' },
      { element: 'User.phone', change: 'now optional' },
    ]);
    const impact = impactOf('users', changes);
    assert.deepEqual(
      impact.mobile!.operations.map((o) => o.name),
      ['UpdateProfile'],
    );
    assert.deepEqual(impact.web!.fields.map((f) => f.coordinate).sort(), [
      'Customer.phone',
      'Mutation.updateProfile',
      'ProfileUpdated.viewer',
    ]);
    assert.deepEqual(
      impact.web!.operations.map((o) => o.name),
      ['CustomerPage'],
    );
  });

  it("shipping renaming Shipment.trackingNumber: bff-web's Shipment.trackingNumber through shipmentByOrderId, nothing of bff-mobile", () => {
    const next = structuredClone(shippingOpenApi) as {
      components: { schemas: { Shipment: { required: string[]; properties: Record<string, unknown> } } };
    };
    const shipment = next.components.schemas.Shipment;
    shipment.properties.trackingCode = shipment.properties.trackingNumber;
    delete shipment.properties.trackingNumber;
    shipment.required = shipment.required.map((name) => (name === 'trackingNumber' ? 'trackingCode' : name));
    const changes = diffOpenApi(shippingOpenApi, next);
    assert.deepEqual(changes, [{ element: 'Shipment.trackingNumber', change: 'removed' }]);
    const impact = impactOf('shipping', changes);
    assert.deepEqual(impact.mobile!.fields, []);
    assert.deepEqual(impact.web!.fields, [{ coordinate: 'Shipment.trackingNumber', because: ['shipping:Shipment.trackingNumber'] }]);
    assert.deepEqual(impact.web!.loaders, ['shipmentByOrderId']);
  });

  it('orders dropping Order.currency (a proto edited in a temp copy): every money field of an order, in both BFFs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-impact-'));
    temps.push(dir);
    cpSync(join(root, 'protos'), dir, { recursive: true });
    const file = join(dir, 'orders/v1/orders.proto');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  string currency = 8;\n', ''));
    const changes = diffProto(join(root, 'protos/orders/v1/orders.proto'), file);
    assert.deepEqual(changes, [{ element: 'Order.currency', change: 'field 8 removed' }]);
    const impact = impactOf('orders', changes);
    assert.deepEqual(
      impact.mobile!.fields.map((f) => f.coordinate),
      ['OrderRow.total'],
    );
    assert.deepEqual(impact.mobile!.operations.map((o) => o.name).sort(), ['Home', 'OrderHistory', 'PlaceOrder']);
    assert.deepEqual(impact.web!.fields.map((f) => f.coordinate).sort(), ['LineItem.subtotal', 'LineItem.unitPrice', 'Order.total']);
    assert.deepEqual(impact.web!.loaders, ['orderById']);
    assert.ok(impact.web!.operations.some((o) => o.name === 'OrdersTable'));
  });
});
