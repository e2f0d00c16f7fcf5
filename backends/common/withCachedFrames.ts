import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

export interface CachedFrames {
  definition: ServiceDefinition;
  /** Forgets the cached encoding of an element that was changed in place. */
  invalidate(element: object): void;
}

/**
 * Returns a copy of `definition` whose response serializers cache the wire encoding of each
 * element of one repeated field, per element object. Protobuf encodes a repeated message field
 * as one framed chunk per element and fields may come in any order, so
 * `encode(rest) + frame(e1) + frame(e2)…` is the same message as `encode(all)`. The seed
 * objects are long-lived, so a 50-entry BatchGetStock answer becomes a Buffer.concat instead of
 * 150 protobufjs encodes. `methods` maps a method name to its repeated field (camelCase).
 */
export function withCachedFrames(definition: ServiceDefinition, methods: Record<string, string>): CachedFrames {
  const caches: Array<WeakMap<object, Buffer>> = [];
  const copy: Record<string, MethodDefinition<unknown, unknown>> = { ...definition };
  for (const [method, field] of Object.entries(methods)) {
    const original = definition[method];
    if (!original) throw new TypeError(`withCachedFrames: no method ${method} in the service definition`);
    const encode = original.responseSerialize as (value: unknown) => Buffer;
    const cache = new WeakMap<object, Buffer>();
    caches.push(cache);
    copy[method] = {
      ...original,
      responseSerialize: (value: unknown) => {
        const message = value as Record<string, unknown>;
        const list = message[field] as object[];
        const parts: Buffer[] = [encode({ ...message, [field]: [] })];
        for (const element of list) {
          let frame = cache.get(element);
          if (!frame) cache.set(element, (frame = encode({ [field]: [element] })));
          parts.push(frame);
        }
        return Buffer.concat(parts);
      },
    };
  }
  return {
    definition: copy as ServiceDefinition,
    invalidate: (element) => {
      for (const cache of caches) cache.delete(element);
    },
  };
}
