let flushAndStop: (() => Promise<void>) | undefined;

/** Called by `startTracing` with the SDK's shutdown. */
export function setTracingShutdown(shutdown: () => Promise<void>): void {
  flushAndStop = shutdown;
}

/**
 * Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Kept apart
 * from `startTracing` so that a process without tracing never loads the SDK to call it.
 */
export async function stopTracing(): Promise<void> {
  const shutdown = flushAndStop;
  flushAndStop = undefined;
  await shutdown?.();
}
