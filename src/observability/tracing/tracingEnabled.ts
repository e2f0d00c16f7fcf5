/**
 * Whether the standard OpenTelemetry variables ask for traces: `OTEL_SDK_DISABLED` is not
 * `true`, and a trace exporter other than `none` is named (`OTEL_TRACES_EXPORTER`) or an OTLP
 * endpoint is set. The SDK itself would default to exporting OTLP to localhost; here nothing
 * is loaded unless asked for, so a BFF without tracing pays nothing for it.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = env.OTEL_TRACES_EXPORTER;
  if (exporters !== undefined && exporters.trim() !== '') {
    return exporters.split(',').some((name) => !['', 'none', 'null'].includes(name.trim()));
  }
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
