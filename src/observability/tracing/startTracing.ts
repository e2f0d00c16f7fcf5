import { register } from 'node:module';
import { basename, dirname } from 'node:path';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { setTracingShutdown } from './stopTracing.js';

/**
 * Starts the OpenTelemetry SDK for traces, configured by the standard `OTEL_*` variables
 * (exporter, endpoint, protocol, sampler, batch delays, service name), with spans for
 * incoming HTTP, GraphQL parse/validate/execute, outgoing REST (undici) and GraphQL-backend
 * calls, gRPC calls; DataLoader batches get theirs from `traceLoaderBatch`.
 *
 * Must run before the instrumented modules are imported: with ESM, instrumentation patches a
 * module through a loader hook that sees the import happen; a module imported before the hook
 * exists is never patched, and its spans silently never appear (gRPC is the usual victim).
 * Metrics go to Prometheus (`/metrics`) and logs to stdout, so the SDK exports neither.
 */
export async function startTracing(): Promise<void> {
  if (process.env.OTEL_LOG_LEVEL)
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel[process.env.OTEL_LOG_LEVEL.toUpperCase() as keyof typeof DiagLogLevel]);
  // Only the modules an instrumentation hooks go through import-in-the-middle; wrapping every
  // module would slow start-up and break some that re-export oddly.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? serviceNameOfEntry(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would bury the traces people look for.
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|dependencies|metrics)\b/.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new GrpcInstrumentation(),
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true, allowValues: false }),
    ],
  });
  sdk.start();
  setTracingShutdown(() => sdk.shutdown());
  await waitForAllMessagesAcknowledged();
}

/** `bff-mobile` for `bff-mobile/main.ts` or `dist/bff-mobile/main.js`: the service, unless OTEL_SERVICE_NAME says. */
function serviceNameOfEntry(): string {
  const entry = process.argv[1];
  return entry ? basename(dirname(entry)) : 'graphql-bff';
}
