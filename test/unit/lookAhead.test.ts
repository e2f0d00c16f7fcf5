import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema } from 'graphql';
import { checkLookAheads, lookAhead } from '../../src/schema/lookAhead.js';
import { buildBffSchema } from '../../src/schema/buildBffSchema.js';
import { mobileLookAheads, mobileResolvers } from '../../bff-mobile/resolvers/mobileResolvers.js';
import { webLookAheads, webResolvers } from '../../bff-web/resolvers/webResolvers.js';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';
import { webProfile } from '../../bff-web/webProfile.js';

const schema = buildSchema(`
  type Query { orders: OrderConnection, me: User }
  type OrderConnection { nodes: [Order!]! }
  type Order { id: ID!, items: [Item!]!, customer: User }
  type Item { product: Product }
  type Product { title: String }
  type User { name: String }
`);

test('a look-ahead that fits the schema passes: from a type or a field coordinate, through lists', () => {
  checkLookAheads(schema, [
    lookAhead('OrderConnection', ['nodes', 'items', 'product', 'title']),
    lookAhead('Query.orders', ['nodes', 'customer']),
  ]);
});

test('a look-ahead that does not fit is a TypeError naming where it breaks', () => {
  const rejects = (from: string, path: string[], why: RegExp) =>
    assert.throws(
      () => checkLookAheads(schema, [lookAhead(from, path)]),
      (error: unknown) => error instanceof TypeError && why.test(error.message),
    );
  rejects('OrderConnection', ['nodes', 'lines', 'product'], /OrderConnection → nodes\.lines\.product: Order has no field lines/);
  rejects('Query.orderz', ['nodes'], /Query has no field orderz/);
  rejects('Shipment', ['carrier'], /the schema has no type Shipment/);
  rejects('Product', ['title', 'length'], /Product\.title has no fields/);
  assert.throws(() => lookAhead('Order', []), TypeError);
});

test("each BFF's look-aheads fit its schema (buildBffSchema checks them at start)", () => {
  buildBffSchema(mobileProfile.schemaDirs, mobileResolvers, Object.values(mobileLookAheads));
  buildBffSchema(webProfile.schemaDirs, webResolvers, Object.values(webLookAheads));
  assert.throws(
    () => buildBffSchema(webProfile.schemaDirs, webResolvers, [lookAhead('OrderConnection', ['nodes', 'parcel'])]),
    /Order has no field parcel/,
  );
});
