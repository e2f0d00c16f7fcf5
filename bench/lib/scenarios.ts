import { readFileSync } from 'node:fs';
import { seed } from '../../backends/seed/seedData.js';
import { mulberry32 } from '../../backends/seed/mulberry32.js';
import { REPO_ROOT } from './contenders.js';

/** One request as sent: the same bytes go to every contender. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: string;
}

export interface Scenario {
  id: 'home' | 'orders10' | 'orders50' | 'orders100';
  title: string;
  /** The BFF that serves it. */
  client: 'mobile' | 'web';
  operationName: 'Home' | 'OrdersTable';
  /** Backend calls per request of a well-batched execution: one per backend per query level. */
  minimalCalls: number;
  /** Requests with varied users, cursors and tokens, cycled through by every load run. */
  requests: BenchRequest[];
}

export const SCENARIO_IDS: readonly Scenario['id'][] = ['home', 'orders10', 'orders50', 'orders100'];
export const STAFF_SCOPE = 'orders:read:all customers:read';

function operationText(client: 'mobile' | 'web', name: string): string {
  return readFileSync(`${REPO_ROOT}bff-${client}/operations/${name}.graphql`, 'utf8');
}

/** Asks the demo IdP for one token. */
async function mint(idpUrl: string, sub: string, scope?: string): Promise<string> {
  const res = await fetch(`${idpUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, ttlSeconds: 7200, ...(scope !== undefined && { scope }) }),
  });
  if (!res.ok) throw new Error(`idp /token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Customers with at least `min` orders in the seed, picked deterministically. */
function customersWithOrders(min: number, count: number): string[] {
  const orders = new Map<string, number>();
  for (const order of seed.orders) orders.set(order.userId, (orders.get(order.userId) ?? 0) + 1);
  const eligible = [...orders]
    .filter(([, n]) => n >= min)
    .map(([id]) => id)
    .sort();
  const random = mulberry32(5);
  const picked = new Set<string>();
  while (picked.size < Math.min(count, eligible.length)) picked.add(eligible[Math.floor(random() * eligible.length)]!);
  return [...picked];
}

export interface ScenarioInputs {
  idpUrl: string;
  /** `endCursor`s of the orders list at various offsets (plus null: the first page). */
  cursors: (string | null)[];
  /** Distinct requests per scenario. Default 200. */
  variants?: number;
}

/**
 * Builds the scenarios with a pool of pre-minted tokens (varied users for Home, varied staff
 * subjects for the dashboard) and varied `after` cursors, so that no two consecutive
 * requests are alike and nothing can be answered from a cache by accident.
 */
export async function buildScenarios(inputs: ScenarioInputs): Promise<Scenario[]> {
  const variants = inputs.variants ?? 200;
  const random = mulberry32(7);
  const customers = customersWithOrders(5, 100);
  const customerTokens = await Promise.all(customers.map((sub) => mint(inputs.idpUrl, sub)));
  const staffTokens = await Promise.all(customers.slice(0, 20).map((sub) => mint(inputs.idpUrl, `staff-${sub}`, STAFF_SCOPE)));
  const json = { 'content-type': 'application/json' };
  const home = operationText('mobile', 'Home');
  const ordersTable = operationText('web', 'OrdersTable');

  const homeRequests = Array.from({ length: variants }, (_, i) => ({
    headers: { ...json, authorization: `Bearer ${customerTokens[i % customerTokens.length]}` },
    body: JSON.stringify({ operationName: 'Home', query: home, variables: { recent: 5, featured: 6 } }),
  }));
  const ordersRequests = (first: number) =>
    Array.from({ length: variants }, (_, i) => {
      const after = inputs.cursors[Math.floor(random() * inputs.cursors.length)] ?? null;
      return {
        headers: { ...json, authorization: `Bearer ${staffTokens[i % staffTokens.length]}` },
        body: JSON.stringify({ operationName: 'OrdersTable', query: ordersTable, variables: { first, after } }),
      };
    });

  return [
    {
      id: 'home',
      title: 'mobile Home (1 user, 5 orders, 6 featured)',
      client: 'mobile',
      operationName: 'Home',
      minimalCalls: 5,
      requests: homeRequests,
    },
    {
      id: 'orders10',
      title: 'web OrdersTable, 10 orders',
      client: 'web',
      operationName: 'OrdersTable',
      minimalCalls: 4,
      requests: ordersRequests(10),
    },
    {
      id: 'orders50',
      title: 'web OrdersTable, 50 orders (dashboard)',
      client: 'web',
      operationName: 'OrdersTable',
      minimalCalls: 4,
      requests: ordersRequests(50),
    },
    {
      id: 'orders100',
      title: 'web OrdersTable, 100 orders (large, ~125 KB)',
      client: 'web',
      operationName: 'OrdersTable',
      minimalCalls: 4,
      requests: ordersRequests(100),
    },
  ];
}

/**
 * Collects real page tokens of the orders list by paging through it with OrdersTable on
 * `url` (`pages` pages of `step` orders), so the scenarios start at varied offsets.
 */
export async function collectCursors(url: string, idpUrl: string, pages = 40, step = 7): Promise<(string | null)[]> {
  const token = await mint(idpUrl, 'staff-cursors', STAFF_SCOPE);
  const query = operationText('web', 'OrdersTable');
  const cursors: (string | null)[] = [null];
  let after: string | null = null;
  for (let i = 0; i < pages; i++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ operationName: 'OrdersTable', query, variables: { first: step, after } }),
    });
    const body = (await res.json()) as { data?: { orders?: { pageInfo: { endCursor: string | null } } } };
    after = body.data?.orders?.pageInfo.endCursor ?? null;
    if (!after) break;
    cursors.push(after);
  }
  return cursors;
}
