import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import type { BffConfig } from '../config/loadConfig.js';

export type { Logger };

/**
 * @returns the process logger: JSON lines (one per event) for machines; in development on
 * a terminal, pino-pretty for people. Every line written inside a request's trace carries
 * `traceId` and `spanId` (of the active OpenTelemetry span), so that logs and traces join;
 * without tracing (no `OTEL_*` settings) there is no span and the fields are left out.
 */
export function createLogger(config: Pick<BffConfig, 'name' | 'log'>): Logger {
  return pino({
    level: config.log.level,
    base: { bff: config.name },
    mixin: traceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
    ...(config.log.pretty && {
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  });
}

/** pino's mixin: the active span's ids, or nothing (no SDK registered: the API's no-op context has no span). */
function traceFields(): object {
  const span = trace.getActiveSpan();
  // A new object each time: pino merges the line's own fields into it.
  if (!span) return {};
  const context = span.spanContext();
  return isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : {};
}
