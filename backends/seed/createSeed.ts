import { mulberry32 } from './mulberry32.js';

/** Every seeded timestamp lies before this instant, so the data does not depend on "now". */
export const SEED_NOW_MS = Date.UTC(2026, 9, 1);
export const SEED = 20261001;
export const USER_COUNT = 5_000;
export const PRODUCT_COUNT = 2_000;
export const ORDER_COUNT = 50_000;

const DAY_MS = 86_400_000;

export type Tier = 'standard' | 'gold' | 'platinum';
export type OrderStatus =
  | 'ORDER_STATUS_PENDING'
  | 'ORDER_STATUS_PAID'
  | 'ORDER_STATUS_SHIPPED'
  | 'ORDER_STATUS_DELIVERED'
  | 'ORDER_STATUS_CANCELLED';

export interface User {
  id: string;
  name: string;
  email: string;
  phone: string;
  avatarUrl: string;
  tier: Tier;
  createdAt: string;
  address: { line1: string; city: string; postcode: string; country: string };
}

export interface Product {
  id: string;
  title: string;
  description: string;
  price: { amountCents: number; currency: 'EUR' };
  images: { thumb: string; small: string; medium: string; large: string; original: string };
  category: string;
  rating: number;
  ratingCount: number;
  /** Not in the brief's field list; the catalog's `sort=newest` needs it. */
  createdAt: string;
}

export interface LineItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  items: LineItem[];
  status: OrderStatus;
  createdAtMs: number;
  updatedAtMs: number;
  totalCents: number;
  currency: 'EUR';
}

export interface WarehouseStock {
  warehouseId: 'ams' | 'fra' | 'lon';
  warehouseName: 'Amsterdam' | 'Frankfurt' | 'London';
  available: number;
  reserved: number;
}

export interface ProductStock {
  productId: string;
  warehouses: WarehouseStock[];
  totalAvailable: number;
}

export interface Review {
  id: string;
  productId: string;
  authorName: string;
  rating: number;
  title: string;
  body: string;
  createdAt: string;
}

export interface ReviewSummary {
  productId: string;
  averageRating: number;
  count: number;
  histogram: number[];
}

export interface SeedData {
  users: User[];
  products: Product[];
  /** Ascending by id, which is also ascending by createdAtMs (ids were given in time order). */
  orders: Order[];
  stock: ProductStock[];
  /** Per product id, newest first; products without reviews have an empty array. */
  reviews: Map<string, Review[]>;
  summaries: Map<string, ReviewSummary>;
  categories: string[];
}

export const CATEGORIES = [
  'shoes', 'jackets', 'bags', 'watches', 'headphones', 'kitchen',
  'garden', 'books', 'toys', 'sports', 'beauty', 'home-decor',
];

const FIRST = ['Anna', 'Ben', 'Chloe', 'David', 'Emma', 'Finn', 'Greta', 'Hugo', 'Isla', 'Jonas',
  'Katrin', 'Lars', 'Mia', 'Noah', 'Olivia', 'Pieter', 'Quinn', 'Rosa', 'Sven', 'Tessa', 'Umar',
  'Vera', 'Willem', 'Xenia', 'Yusuf', 'Zoe', 'Lena', 'Milan', 'Sara', 'Tom'];
const LAST = ['de Vries', 'Jansen', 'Müller', 'Schmidt', 'Smith', 'Jones', 'Bakker', 'Visser',
  'Weber', 'Fischer', 'Taylor', 'Brown', 'Meyer', 'Wagner', 'Peeters', 'Dubois', 'Rossi',
  'Novak', 'Kowalski', 'Larsen', 'Nielsen', 'Evans', 'Hoffmann', 'Koch', 'Mulder'];
const CITIES: Array<[string, string, (r: () => number) => string]> = [
  ['Amsterdam', 'NL', (r) => `10${pad(int(r, 0, 99), 2)} ${letters(r)}`],
  ['Rotterdam', 'NL', (r) => `30${pad(int(r, 0, 99), 2)} ${letters(r)}`],
  ['Berlin', 'DE', (r) => `10${pad(int(r, 100, 999), 3)}`],
  ['Frankfurt', 'DE', (r) => `60${pad(int(r, 300, 599), 3)}`],
  ['London', 'GB', (r) => `E${int(r, 1, 20)} ${int(r, 1, 9)}${letters(r)}`],
  ['Paris', 'FR', (r) => `750${pad(int(r, 1, 20), 2)}`],
  ['Brussels', 'BE', (r) => `10${pad(int(r, 0, 99), 2)}`],
];
const STREETS = ['Keizersgracht', 'Main Street', 'Hauptstraße', 'Rue de la Paix', 'Station Road',
  'Prinsengracht', 'Lindenallee', 'High Street', 'Kerkstraat', 'Parkweg'];
const ADJ = ['Classic', 'Urban', 'Lightweight', 'Premium', 'Compact', 'Vintage', 'Everyday',
  'Pro', 'Eco', 'Deluxe', 'Smart', 'Nordic'];
const NOUN: Record<string, string[]> = {
  shoes: ['Sneaker', 'Runner', 'Boot', 'Loafer'],
  jackets: ['Parka', 'Rain Jacket', 'Bomber', 'Fleece'],
  bags: ['Backpack', 'Tote', 'Duffel', 'Messenger Bag'],
  watches: ['Chronograph', 'Diver Watch', 'Field Watch', 'Smartwatch'],
  headphones: ['Earbuds', 'Over-Ear Headphones', 'Studio Monitor', 'Sport Earphones'],
  kitchen: ['Chef Knife', 'Dutch Oven', 'Espresso Maker', 'Cutting Board'],
  garden: ['Hose Reel', 'Pruner', 'Planter', 'Garden Lamp'],
  books: ['Cookbook', 'Novel', 'Travel Guide', 'Field Journal'],
  toys: ['Building Set', 'Puzzle', 'Plush Bear', 'Wooden Train'],
  sports: ['Yoga Mat', 'Kettlebell', 'Tennis Racket', 'Cycling Jersey'],
  beauty: ['Face Serum', 'Hand Cream', 'Shampoo Bar', 'Lip Balm'],
  'home-decor': ['Table Lamp', 'Throw Blanket', 'Vase', 'Wall Clock'],
};
const SENTENCES = [
  'Designed for daily use, it balances comfort and durability without compromise.',
  'Every detail has been tested by our team over months of real-world use.',
  'The materials are responsibly sourced and finished by hand in small batches.',
  'It pairs well with the rest of the collection and fits into any routine.',
  'Care is simple: wipe clean with a damp cloth and let it dry naturally.',
  'A thoughtful design that solves the small annoyances you stopped noticing.',
  'Backed by a two-year warranty and free returns within thirty days.',
  'Customers love how it looks after years, not just on the first day.',
  'Lightweight enough to take anywhere, sturdy enough to last for years.',
  'The finish resists scratches, stains and the occasional accident.',
  'Available in several colours, each mixed to stay true over time.',
  'It ships in fully recyclable packaging with no single-use plastic.',
];
const REVIEW_TITLES = ['Love it', 'Does the job', 'Not what I expected', 'Great value',
  'Would buy again', 'Decent quality', 'Disappointed', 'Exceeded expectations', 'Solid choice'];
const REVIEW_BODIES = ['Arrived quickly and well packed.', 'The quality is better than the price suggests.',
  'Sizing runs a little small.', 'After a month of daily use it still looks new.',
  'Customer service was helpful when I had a question.', 'The colour differs slightly from the photos.',
  'I bought a second one as a gift.', 'It works, but the finish could be better.'];

function int(r: () => number, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}
function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}
function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
function letters(r: () => number): string {
  return String.fromCharCode(65 + int(r, 0, 25), 65 + int(r, 0, 25));
}

/**
 * Builds the whole demo shop from a fixed seed. Pure: same output on every call, so tests can
 * compute expected answers. Each call returns fresh objects, so a running backend may mutate
 * its copy (PATCH, reservations, placed orders) without touching anyone else's.
 */
export function createSeed(): SeedData {
  const r = mulberry32(SEED);

  const users: User[] = [];
  for (let i = 1; i <= USER_COUNT; i++) {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    const [city, country, postcode] = pick(r, CITIES);
    const tierRoll = r();
    users.push({
      id: `u-${pad(i, 5)}`,
      name: `${first} ${last}`,
      email: `${first}.${last.replace(/[^A-Za-z]/g, '')}${i}@example.com`.toLowerCase(),
      phone: `+31 6 ${pad(int(r, 0, 99_999_999), 8)}`,
      avatarUrl: `https://img.demo.shop/avatars/u-${pad(i, 5)}.jpg`,
      tier: tierRoll < 0.75 ? 'standard' : tierRoll < 0.95 ? 'gold' : 'platinum',
      createdAt: new Date(SEED_NOW_MS - int(r, 30, 1500) * DAY_MS - int(r, 0, DAY_MS)).toISOString(),
      address: { line1: `${pick(r, STREETS)} ${int(r, 1, 250)}`, city, postcode: postcode(r), country },
    });
  }

  const products: Product[] = [];
  for (let i = 1; i <= PRODUCT_COUNT; i++) {
    const id = `p-${pad(i, 5)}`;
    const category = CATEGORIES[(i - 1) % CATEGORIES.length] as string;
    const title = `${pick(r, ADJ)} ${pick(r, NOUN[category] ?? ['Item'])} ${int(r, 1, 99)}`;
    // 400..1200 chars: sentences are < 90 chars, so stopping past the target stays in range.
    const target = int(r, 400, 1100);
    let description = `The ${title} is part of our ${category.replace('-', ' ')} range.`;
    while (description.length < target) description += ' ' + pick(r, SENTENCES);
    const base = `https://img.demo.shop/${id}`;
    products.push({
      id,
      title,
      description,
      price: { amountCents: int(r, 5, 500) * 100 - 1, currency: 'EUR' },
      images: {
        thumb: `${base}/64.jpg`, small: `${base}/200.jpg`, medium: `${base}/400.jpg`,
        large: `${base}/800.jpg`, original: `${base}/orig.jpg`,
      },
      category,
      rating: Math.round((r() < 0.1 ? 1 + r() * 4 : 3 + r() * 2) * 10) / 10,
      ratingCount: int(r, 0, 5000),
      createdAt: new Date(SEED_NOW_MS - int(r, 1, 730) * DAY_MS - int(r, 0, DAY_MS)).toISOString(),
    });
  }

  // Orders per user: 0..20 (avg 10), nudged to exactly ORDER_COUNT within 0..25, and the
  // first ten users get at least 12 so tests always have a second page to read.
  const perUser = users.map((_, i) => (i < 10 ? int(r, 12, 20) : int(r, 0, 20)));
  let total = perUser.reduce((a, b) => a + b, 0);
  while (total !== ORDER_COUNT) {
    const i = int(r, 10, USER_COUNT - 1);
    const n = perUser[i] as number;
    if (total < ORDER_COUNT && n < 25) { perUser[i] = n + 1; total++; }
    else if (total > ORDER_COUNT && n > 0) { perUser[i] = n - 1; total--; }
  }
  const drafts: Array<{ userId: string; createdAtMs: number }> = [];
  perUser.forEach((n, i) => {
    for (let k = 0; k < n; k++) {
      drafts.push({ userId: users[i]!.id, createdAtMs: SEED_NOW_MS - 60_000 - Math.floor(r() * 365 * DAY_MS) });
    }
  });
  drafts.sort((a, b) => a.createdAtMs - b.createdAtMs);
  // Weights for 1..6 items give a mean of ~3.4.
  const itemWeights = [0.12, 0.16, 0.24, 0.24, 0.14, 0.1];
  const orders: Order[] = drafts.map((d, idx) => {
    let roll = r();
    let itemCount = 1;
    for (const w of itemWeights) { if ((roll -= w) < 0) break; itemCount++; }
    itemCount = Math.min(itemCount, 6);
    const items: LineItem[] = [];
    const seen = new Set<number>();
    while (items.length < itemCount) {
      const p = int(r, 0, PRODUCT_COUNT - 1);
      if (seen.has(p)) continue;
      seen.add(p);
      const product = products[p]!;
      const q = r();
      items.push({ productId: product.id, quantity: q < 0.6 ? 1 : q < 0.85 ? 2 : q < 0.95 ? 3 : 4, unitPriceCents: product.price.amountCents });
    }
    const ageDays = (SEED_NOW_MS - d.createdAtMs) / DAY_MS;
    const s = r();
    const status: OrderStatus = s < 0.04 ? 'ORDER_STATUS_CANCELLED'
      : ageDays < 1 ? (s < 0.5 ? 'ORDER_STATUS_PENDING' : 'ORDER_STATUS_PAID')
      : ageDays < 5 ? (s < 0.5 ? 'ORDER_STATUS_PAID' : 'ORDER_STATUS_SHIPPED')
      : ageDays < 10 ? (s < 0.5 ? 'ORDER_STATUS_SHIPPED' : 'ORDER_STATUS_DELIVERED')
      : 'ORDER_STATUS_DELIVERED';
    const updatedAtMs = Math.min(SEED_NOW_MS - 1, d.createdAtMs + Math.floor(r() * Math.min(ageDays, 6) * DAY_MS));
    return {
      id: `o-${pad(idx + 1, 6)}`,
      userId: d.userId,
      items,
      status,
      createdAtMs: d.createdAtMs,
      updatedAtMs,
      totalCents: items.reduce((sum, it) => sum + it.quantity * it.unitPriceCents, 0),
      currency: 'EUR',
    };
  });

  const stock: ProductStock[] = products.map((p) => {
    const kind = r();
    const names = [['ams', 'Amsterdam'], ['fra', 'Frankfurt'], ['lon', 'London']] as const;
    // ~5% sold out everywhere, ~10% low (1..4 in total), the rest 0..40 per warehouse.
    const lowTotal = int(r, 1, 4);
    const lowAt = int(r, 0, 2);
    const warehouses: WarehouseStock[] = names.map(([warehouseId, warehouseName], w) => ({
      warehouseId,
      warehouseName,
      available: kind < 0.05 ? 0 : kind < 0.15 ? (w === lowAt ? lowTotal : 0) : int(r, 0, 40),
      reserved: int(r, 0, 5),
    }));
    return { productId: p.id, warehouses, totalAvailable: warehouses.reduce((a, w) => a + w.available, 0) };
  });

  const reviews = new Map<string, Review[]>();
  const summaries = new Map<string, ReviewSummary>();
  let reviewSeq = 0;
  for (const p of products) {
    const count = int(r, 0, 15);
    const list: Review[] = [];
    const histogram = [0, 0, 0, 0, 0];
    for (let k = 0; k < count; k++) {
      const rating = Math.max(1, Math.min(5, Math.round(p.rating + (r() - 0.5) * 3)));
      histogram[rating - 1]!++;
      list.push({
        id: `r-${pad(++reviewSeq, 6)}`,
        productId: p.id,
        authorName: `${pick(r, FIRST)} ${pick(r, LAST).charAt(0)}.`,
        rating,
        title: pick(r, REVIEW_TITLES),
        body: `${pick(r, REVIEW_BODIES)} ${pick(r, REVIEW_BODIES)}`,
        createdAt: new Date(SEED_NOW_MS - int(r, 1, 365 * DAY_MS)).toISOString(),
      });
    }
    list.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    reviews.set(p.id, list);
    const sum = list.reduce((a, x) => a + x.rating, 0);
    summaries.set(p.id, {
      productId: p.id,
      averageRating: count === 0 ? 0 : Math.round((sum / count) * 100) / 100,
      count,
      histogram,
    });
  }

  return { users, products, orders, stock, reviews, summaries, categories: [...CATEGORIES] };
}
