import type { PriorityClass } from '../src/index.js';

/**
 * Which of the app's operations matter most when the BFF is overloaded (src/traffic). Not
 * listed: `normal` (TRAFFIC_MANIFEST_CLASS); not in the manifest at all: `sheddable`
 * (TRAFFIC_UNKNOWN_CLASS). TRAFFIC_CLASSES overrides single entries at deploy time.
 */
export const mobileTrafficClasses: Readonly<Record<string, PriorityClass>> = {
  // The checkout path: a refused order is lost revenue, and the buyer retries by hand.
  PlaceOrder: 'critical',
  // Analytics events: the app batches and resends them; nobody waits on them.
  TrackEvent: 'sheddable',
};
