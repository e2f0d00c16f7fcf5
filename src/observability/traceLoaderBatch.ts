import { trace, SpanStatusCode } from '@opentelemetry/api';

const tracer = trace.getTracer('graphql-bff');

/**
 * Runs one DataLoader batch inside a `dataloader.batch <name>` span. Without a registered
 * OpenTelemetry SDK the API hands out a no-op tracer, so this costs a function call.
 */
export function traceLoaderBatch<T>(name: string, size: number, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `dataloader.batch ${name}`,
    { attributes: { 'dataloader.name': name, 'dataloader.batch_size': size } },
    async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
