import type { MessageHandler, QueueMessage, Subscription } from './MessageQueue.js';

/**
 * Turns a fan-out subscription into an async iterator, the shape a GraphQL subscription
 * resolver returns. Messages wait in a bounded buffer until read; past `bufferSize` the
 * oldest unread one is dropped (a live feed favours the newest), so a reader that stops
 * reading costs at most `bufferSize` messages of memory. Returning the iterator (or
 * aborting `signal`) closes the subscription.
 *
 * @returns an iterator that ends when the signal aborts or `return()` is called.
 */
export function eventsOf<T>(
  subscribe: (handler: MessageHandler<T>) => Subscription,
  options: { signal?: AbortSignal; bufferSize?: number } = {},
): AsyncIterableIterator<QueueMessage<T>> {
  const bufferSize = options.bufferSize ?? 1000;
  if (!(Number.isInteger(bufferSize) && bufferSize >= 1))
    throw new TypeError(`eventsOf: bufferSize must be an integer >= 1, got ${bufferSize}`);
  const buffer: QueueMessage<T>[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const subscription = subscribe((message) => {
    if (done) return;
    if (buffer.length >= bufferSize) buffer.shift();
    buffer.push(message);
    wake?.();
  });
  const finish = async (): Promise<IteratorReturnResult<undefined>> => {
    if (!done) {
      done = true;
      wake?.();
      options.signal?.removeEventListener('abort', onAbort);
      await subscription.close();
    }
    return { done: true, value: undefined };
  };
  const onAbort = () => void finish();
  if (options.signal?.aborted) void finish();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    async next(): Promise<IteratorResult<QueueMessage<T>>> {
      while (!done) {
        const message = buffer.shift();
        if (message) return { done: false, value: message };
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      return { done: true, value: undefined };
    },
    return: finish,
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
