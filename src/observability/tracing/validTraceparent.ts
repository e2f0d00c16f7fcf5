/** W3C Trace Context, version 00: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, lower case. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);

/**
 * An incoming `traceparent` as W3C Trace Context (version 00) defines it, or undefined: then
 * the request starts a new trace instead of continuing the caller's. Never a raw client value
 * beyond these 55 checked characters, so nothing oversized or malformed reaches a backend.
 * (With the OpenTelemetry SDK on, its W3C propagator does the same check and re-encodes the
 * context; `tracestate` is only ever passed on by the SDK, which bounds and parses it.)
 *
 * @returns the header value when it is valid, else undefined. Throws nothing.
 */
export function validTraceparent(value: string | undefined): string | undefined {
  if (value === undefined || value.length !== 55) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match || match[1] === ZERO_TRACE_ID || match[2] === ZERO_PARENT_ID) return undefined;
  return value;
}
