import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, getDirectiveValues, isNonNullType, type GraphQLSchema } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

export interface FieldDegradation {
  /** The schema with every `@criticality(level: LOW)` field's resolver wrapped. */
  readonly schema: GraphQLSchema;
  /** Adds `bff_degraded_fields_total{operation,field}` to the BFF's registry. */
  register(registry: Registry): void;
}

/** Distinct operation names the metric keeps before it counts the rest as `other`. */
const MAX_OPERATIONS = 100;

/**
 * Degrade by field: while `underPressure()` says so (the admission's signal, with hysteresis:
 * createAdmission), each `@criticality(level: LOW)` field resolves to null without running its
 * resolver, so it makes no backend call and the rest of the response is served.
 *
 * A response carries one DEGRADED error per field left out, not one per place: the first place
 * it was left out is the error's path (graphql-js tags it), `extensions.field` is the field's
 * coordinate (`Product.stock`: every null of that field in this response was left out),
 * `extensions.count` how many places, and `extensions.reason` is `"under_load"`. One per row of
 * a 20-row page made a degraded answer 2.75× the bytes of a whole one, all of it for the client
 * to parse while the service is short of capacity. The check is one function call per LOW
 * field; every other field is untouched.
 *
 * @throws TypeError when a LOW field is non-null: its null would void its parent instead.
 */
export function degradeFields(schema: GraphQLSchema, underPressure: () => boolean): FieldDegradation {
  const directive = schema.getDirective('criticality');
  const counts = new Map<string, number>();
  const operations = new Set<string>();
  // Per response: the error each field left out was reported with so far. Keyed by the request's
  // context; a subscription executes each event with the same context and the event as its root
  // value, so a new root value starts a new response.
  const reported = new WeakMap<object, { root: unknown; errors: Map<string, BffError> }>();
  if (!directive) return { schema, register() {} };
  const degraded = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      if (!field.astNode) return field;
      const values = getDirectiveValues(directive, field.astNode);
      if (values?.level !== 'LOW') return field;
      if (isNonNullType(field.type))
        throw new TypeError(`degradeFields: ${typeName}.${fieldName} is @criticality(level: LOW) but non-null; make it nullable`);
      const resolve = field.resolve ?? defaultFieldResolver;
      const coordinate = `${typeName}.${fieldName}`;
      return {
        ...field,
        resolve(source, args, context, info) {
          if (!underPressure()) return resolve(source, args, context, info);
          let operation = info.operation.name?.value ?? 'anonymous';
          if (!operations.has(operation)) {
            if (operations.size < MAX_OPERATIONS) operations.add(operation);
            else operation = 'other';
          }
          const key = `${operation}\u0000${coordinate}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          const request = typeof context === 'object' && context !== null ? (context as object) : undefined;
          let response = request && reported.get(request);
          if (response && response.root !== info.rootValue) response = undefined;
          const earlier = response?.errors.get(coordinate);
          if (earlier) {
            // Read when the response is formatted, after execution: the final count.
            (earlier.extensions as { count: number }).count++;
            return null;
          }
          const error = BffError.withoutStack(
            ErrorCode.DEGRADED,
            'Left out while the service is under load; the rest of the response is complete.',
            { reason: 'under_load', extensions: { field: coordinate, count: 1 } },
          );
          if (request) {
            if (!response) reported.set(request, (response = { root: info.rootValue, errors: new Map() }));
            response.errors.set(coordinate, error);
          }
          throw error;
        },
      };
    },
  });
  return {
    schema: degraded,
    register(registry) {
      new Counter({
        name: 'bff_degraded_fields_total',
        help: 'Fields marked @criticality(level: LOW) left out (null, DEGRADED) under load, by operation and field.',
        labelNames: ['operation', 'field'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [key, n] of counts) {
            const [operation, field] = key.split('\u0000') as [string, string];
            this.inc({ operation, field }, n);
          }
        },
      });
    },
  };
}
