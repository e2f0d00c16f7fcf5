import type { PriorityClass } from '../src/index.js';

/**
 * Which of the dashboard's operations matter most when the BFF is overloaded (src/traffic).
 * Not listed: `normal` (TRAFFIC_MANIFEST_CLASS); not in the manifest at all: `sheddable`
 * (TRAFFIC_UNKNOWN_CLASS). TRAFFIC_CLASSES overrides single entries at deploy time.
 */
export const webTrafficClasses: Readonly<Record<string, PriorityClass>> = {
  // Staff answering a customer on the phone wait on this page.
  CustomerPage: 'critical',
  // Browsing the catalogue can wait a second; a retry is cheap.
  ProductsBrowse: 'sheddable',
};
