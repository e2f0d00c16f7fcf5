/**
 * Load with `node --import` ahead of a BFF's entry point (after `tsx` when running the
 * sources): `node --import tsx --import ./src/observability/tracing/register.ts bff-web/main.ts`.
 * Starts tracing when the OTEL_* variables ask for it (see `tracingEnabled`), before any
 * instrumented module loads; otherwise it does nothing and loads nothing.
 */
import { tracingEnabled } from './tracingEnabled.js';

if (tracingEnabled(process.env)) {
  const { startTracing } = await import('./startTracing.js');
  await startTracing();
}
