/**
 * How much an operation matters when there is not enough for everyone, highest first:
 * `critical` (writes such as placing an order, the checkout path), `normal` (the client's own
 * screens), `sheddable` (ad-hoc queries, prefetches, analytics). Under pressure the lowest
 * class is refused first.
 */
export type PriorityClass = 'critical' | 'normal' | 'sheddable';

export const PRIORITY_CLASSES: readonly PriorityClass[] = ['critical', 'normal', 'sheddable'];

/** Lower is more important: `rankOf.critical < rankOf.sheddable`. */
export const rankOf: Readonly<Record<PriorityClass, number>> = { critical: 0, normal: 1, sheddable: 2 };

/** Whether `value` names a class (for validating settings). */
export function isPriorityClass(value: unknown): value is PriorityClass {
  return value === 'critical' || value === 'normal' || value === 'sheddable';
}
