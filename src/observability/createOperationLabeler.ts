/** Longest operation name used as a label as-is. */
const MAX_NAME_LENGTH = 64;

/**
 * Keeps the `operation` label of the metrics bounded. Names come from documents clients send,
 * so a client could mint a new time series per request: the first `max` distinct names are
 * kept, every later one (and any overly long one) is counted as `other`. `none` is a request
 * that never reached an operation (shed, rejected at the edge, unparsable), `anonymous` an
 * operation without a name.
 *
 * @returns a function from a request's operation to its label.
 * @throws TypeError when `max` is not a positive integer.
 */
export function createOperationLabeler(max: number): (name: string | undefined, resolved: boolean) => string {
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`createOperationLabeler: max must be a positive integer, got ${max}`);
  const seen = new Set<string>();
  return (name, resolved) => {
    if (!resolved) return 'none';
    if (name === undefined || name === '') return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= max || name.length > MAX_NAME_LENGTH) return 'other';
    seen.add(name);
    return name;
  };
}
