import * as protoLoader from '@grpc/proto-loader';
import { parse, type GraphQLSchema } from 'graphql';
import type { ShippedOperation } from './checkSchema.js';
import { selectedFields } from './fieldCoordinates.js';
import type { FieldUsageSample } from './reportDeprecatedUsage.js';

/**
 * A backend contract element, prefixed with the backend: an OpenAPI component property
 * (`catalog:Product.images.medium`) or operation (`catalog:listProducts`), a proto message field
 * (`orders:Order.total_cents`) or method (`orders:OrdersService.ListUserOrders`), a GraphQL
 * backend field (`reviews:Review.title`).
 */
export type ContractElement = string;

/** What one schema field of a BFF depends on. */
export interface FieldDependency {
  /** The request loaders it reads through (see LOADER_CALLS for the call each makes). */
  readonly loaders?: readonly string[];
  /** Backend calls it makes itself. */
  readonly calls?: readonly ContractElement[];
  /** The backend data it is shaped from. */
  readonly reads?: readonly ContractElement[];
}

/** Per schema coordinate (`ProductScreen.images`), what it depends on: each BFF declares its own. */
export type ContractDependencies = Readonly<Record<string, FieldDependency>>;

/** The backend call behind each of the kit's loaders (src/loaders/createLoaders.ts), and the entity it returns. */
export const LOADER_CALLS: Readonly<Record<string, { call: ContractElement; returns: ContractElement }>> = {
  userById: { call: 'users:getUsersByIds', returns: 'users:User' },
  productById: { call: 'catalog:listProducts', returns: 'catalog:Product' },
  stockByProductId: { call: 'inventory:InventoryService.BatchGetStock', returns: 'inventory:ProductStock' },
  orderById: { call: 'orders:OrdersService.BatchGetOrders', returns: 'orders:Order' },
  shipmentByOrderId: { call: 'shipping:getShipmentsByOrderIds', returns: 'shipping:Shipment' },
  reviewSummaryByProductId: { call: 'reviews:Query.reviewSummaries', returns: 'reviews:ReviewSummary' },
  reviewsByProductId: { call: 'reviews:Query.reviews', returns: 'reviews:ProductReviews' },
};

/** One change of a backend contract that can break a reader: something removed, retyped or made optional. */
export interface ContractChange {
  /** The element without its backend prefix: `Product.images.medium`. */
  readonly element: string;
  readonly change: string;
}

type JsonSchema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};
type OpenApiOperation = {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
};
type OpenApiDocument = { paths?: Record<string, Record<string, OpenApiOperation>>; components?: { schemas?: Record<string, JsonSchema> } };

/**
 * The changes from one OpenAPI 3 document to the next that a client of the API can notice:
 * operations and their parameters removed (or a new required one), component schema properties
 * removed, retyped, made optional or nullable, enum values removed. Additions are not listed.
 *
 * @returns the changes, by element (`Product.images.medium`, `listProducts`).
 */
export function diffOpenApi(before: unknown, after: unknown): ContractChange[] {
  const b = before as OpenApiDocument;
  const a = after as OpenApiDocument;
  const changes: ContractChange[] = [];
  const operations = (doc: OpenApiDocument) => {
    const found = new Map<string, OpenApiOperation>();
    for (const [path, methods] of Object.entries(doc.paths ?? {})) {
      for (const [method, operation] of Object.entries(methods))
        found.set(operation.operationId ?? `${method.toUpperCase()} ${path}`, operation);
    }
    return found;
  };
  const afterOperations = operations(a);
  for (const [id, operation] of operations(b)) {
    const next = afterOperations.get(id);
    if (!next) {
      changes.push({ element: id, change: 'operation removed' });
      continue;
    }
    for (const parameter of operation.parameters ?? []) {
      if (!next.parameters?.some((p) => p.name === parameter.name && p.in === parameter.in))
        changes.push({ element: id, change: `parameter ${parameter.name} removed` });
    }
    for (const parameter of next.parameters ?? []) {
      if (parameter.required && !operation.parameters?.some((p) => p.name === parameter.name && p.in === parameter.in && p.required)) {
        changes.push({ element: id, change: `parameter ${parameter.name} now required` });
      }
    }
    const schemaOf = (op: OpenApiOperation) => op.responses?.['200']?.content?.['application/json']?.schema;
    walkSchema(schemaOf(operation), schemaOf(next), id, changes);
  }
  for (const [name, schema] of Object.entries(b.components?.schemas ?? {}))
    walkSchema(schema, a.components?.schemas?.[name], name, changes);
  return changes;
}

function walkSchema(before: JsonSchema | undefined, after: JsonSchema | undefined, path: string, changes: ContractChange[]): void {
  if (!before) return;
  if (!after) {
    changes.push({ element: path, change: 'removed' });
    return;
  }
  if (before.$ref !== after.$ref || before.type !== after.type || before.format !== after.format) {
    changes.push({ element: path, change: `type ${describe(before)} -> ${describe(after)}` });
    return;
  }
  if (!before.nullable && after.nullable) changes.push({ element: path, change: 'now nullable' });
  const removedValues = (before.enum ?? []).filter((value) => !(after.enum ?? []).includes(value));
  if (after.enum && removedValues.length) changes.push({ element: path, change: `enum values removed: ${removedValues.join(', ')}` });
  for (const [name, property] of Object.entries(before.properties ?? {})) {
    const next = after.properties?.[name];
    if (next && before.required?.includes(name) && !after.required?.includes(name))
      changes.push({ element: `${path}.${name}`, change: 'now optional' });
    walkSchema(property, next, `${path}.${name}`, changes);
  }
  walkSchema(before.items, after.items, path, changes);
  for (const key of ['oneOf', 'anyOf'] as const) {
    for (const [i, variant] of (before[key] ?? []).entries()) walkSchema(variant, after[key]?.[i], path, changes);
  }
}

function describe(schema: JsonSchema): string {
  return schema.$ref?.replace('#/components/schemas/', '') ?? [schema.type, schema.format].filter(Boolean).join(':');
}

type FieldDescriptor = { name: string; number: number; type: string; typeName: string; label: string };
type MethodDefinition = {
  requestType: { type: { name: string } };
  responseType: { type: { name: string } };
  responseStream: boolean;
  requestStream: boolean;
};

/**
 * The changes from one version of a proto file to the next that a reader can notice: messages,
 * fields (by number: removed, renamed, retyped) and methods removed or retyped. Elements are
 * named without the package: `Order.total_cents`, `OrdersService.ListUserOrders`.
 *
 * @param before / after paths of the two .proto files (`includeDirs` for their imports).
 */
export function diffProto(before: string, after: string, includeDirs: string[] = []): ContractChange[] {
  const load = (file: string) => protoLoader.loadSync(file, { includeDirs, keepCase: true });
  const b = load(before);
  const a = load(after);
  const short = (name: string) => name.split('.').pop()!;
  const changes: ContractChange[] = [];
  for (const [name, definition] of Object.entries(b)) {
    const next = a[name];
    if ('format' in definition && definition.format === 'Protocol Buffer 3 DescriptorProto') {
      const message = short(name);
      if (!next || !('format' in next)) {
        changes.push({ element: message, change: 'message removed' });
        continue;
      }
      const fields = (d: typeof definition) => (d.type as { field: FieldDescriptor[] }).field;
      const nextFields = fields(next as typeof definition);
      for (const field of fields(definition)) {
        const same = nextFields.find((f) => f.number === field.number);
        const element = `${message}.${field.name}`;
        if (!same) changes.push({ element, change: `field ${field.number} removed` });
        else if (same.name !== field.name) changes.push({ element, change: `field ${field.number} renamed to ${same.name}` });
        else if (same.type !== field.type || same.typeName !== field.typeName || same.label !== field.label) {
          changes.push({
            element,
            change: `type ${field.label} ${field.typeName || field.type} -> ${same.label} ${same.typeName || same.type}`,
          });
        }
      }
    } else if (!('format' in definition)) {
      const service = short(name);
      for (const [method, rpc] of Object.entries(definition as unknown as Record<string, MethodDefinition>)) {
        const nextRpc = (next as unknown as Record<string, MethodDefinition> | undefined)?.[method];
        const element = `${service}.${method}`;
        if (!nextRpc) changes.push({ element, change: 'method removed' });
        else if (
          nextRpc.requestType.type.name !== rpc.requestType.type.name ||
          nextRpc.responseType.type.name !== rpc.responseType.type.name ||
          nextRpc.responseStream !== rpc.responseStream ||
          nextRpc.requestStream !== rpc.requestStream
        ) {
          changes.push({ element, change: 'request or response type changed' });
        }
      }
    }
  }
  return changes;
}

export interface BffImpact {
  readonly bff: string;
  /** Schema fields that depend on a changed element, with the elements. */
  readonly fields: readonly { coordinate: string; because: readonly ContractElement[] }[];
  /** Loaders whose call, or the entity it returns, changed. */
  readonly loaders: readonly string[];
  /** Persisted operations selecting an impacted field, with the client versions seen selecting those fields. */
  readonly operations: readonly { name: string; fields: readonly string[]; versions: readonly string[] }[];
}

/** Whether a dependency on `dependency` is touched by a change of `changed` (the same element, inside it, or around it). */
function touches(dependency: string, changed: string): boolean {
  return dependency === changed || dependency.startsWith(`${changed}.`) || changed.startsWith(`${dependency}.`);
}

/**
 * @param backend the backend whose contract changed (`catalog`).
 * @returns which fields, loaders and shipped operations of the BFF depend on the changes.
 */
export function contractImpact(input: {
  bff: string;
  backend: string;
  changes: readonly ContractChange[];
  schema: GraphQLSchema;
  dependencies: ContractDependencies;
  operations: readonly ShippedOperation[];
  usage?: readonly FieldUsageSample[];
}): BffImpact {
  const changed = input.changes.map((c) => `${input.backend}:${c.element}`);
  const fields: { coordinate: string; because: string[] }[] = [];
  const loaders = new Set<string>();
  for (const [coordinate, dependency] of Object.entries(input.dependencies)) {
    const because = new Set<string>();
    const check = (element: string) => {
      for (const c of changed) if (touches(element, c)) because.add(c);
    };
    // A field fetched through a loader is affected when the loader's call changes; a change
    // inside the entity it returns affects the fields that read that part (their `reads`).
    for (const loader of dependency.loaders ?? []) {
      const entry = LOADER_CALLS[loader];
      if (entry === undefined) throw new TypeError(`bff-${input.bff}: ${coordinate} names an unknown loader ${loader}`);
      check(entry.call);
    }
    for (const element of [...(dependency.calls ?? []), ...(dependency.reads ?? [])]) check(element);
    if (because.size) fields.push({ coordinate, because: [...because] });
    for (const loader of dependency.loaders ?? []) {
      const { call, returns } = LOADER_CALLS[loader]!;
      if (changed.some((c) => touches(call, c) || touches(returns, c))) loaders.add(loader);
    }
  }
  const impacted = new Set(fields.map((f) => f.coordinate));
  const operations = [];
  for (const operation of input.operations) {
    let selected: string[];
    try {
      selected = selectedFields(input.schema, parse(operation.body)).map((f) => f.coordinate);
    } catch {
      continue;
    }
    const hit = selected.filter((c) => impacted.has(c));
    if (!hit.length) continue;
    const versions = new Set<string>();
    for (const sample of input.usage ?? []) {
      if (sample.count > 0 && hit.includes(sample.field) && (sample.bff === undefined || sample.bff === input.bff))
        versions.add(`${sample.clientName} ${sample.clientVersion}`);
    }
    operations.push({ name: operation.name, fields: hit, versions: [...versions].sort() });
  }
  return { bff: input.bff, fields, loaders: [...loaders], operations };
}

/** @returns the impact as text for a terminal. */
export function formatImpact(backend: string, changes: readonly ContractChange[], impacts: readonly BffImpact[]): string {
  const lines = [`${backend}: ${changes.length} change(s) a reader can notice`];
  for (const c of changes) lines.push(`  ${c.element}: ${c.change}`);
  for (const impact of impacts) {
    if (!impact.fields.length) {
      lines.push(`bff-${impact.bff}: not affected`);
      continue;
    }
    lines.push(`bff-${impact.bff}:`);
    for (const f of impact.fields) lines.push(`  field ${f.coordinate} <- ${f.because.join(', ')}`);
    if (impact.loaders.length) lines.push(`  loaders: ${impact.loaders.map((l) => `${l} (${LOADER_CALLS[l]!.call})`).join(', ')}`);
    for (const op of impact.operations) {
      lines.push(
        `  operation ${op.name} (selects ${op.fields.join(', ')})${op.versions.length ? `; used by ${op.versions.join(', ')}` : ''}`,
      );
    }
    if (!impact.operations.length) lines.push('  no shipped operation selects these fields');
  }
  return lines.join('\n');
}

/** @returns the elements an OpenAPI document defines: operation ids, their response properties, component schema properties. */
export function openApiElements(document: unknown): Set<string> {
  const doc = document as OpenApiDocument;
  const found = new Set<string>();
  const walk = (schema: JsonSchema | undefined, path: string) => {
    if (!schema) return;
    found.add(path);
    for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property, `${path}.${name}`);
    walk(schema.items, path);
    for (const variant of [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) walk(variant, path);
  };
  for (const methods of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      if (!operation.operationId) continue;
      walk(operation.responses?.['200']?.content?.['application/json']?.schema, operation.operationId);
    }
  }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) walk(schema, name);
  return found;
}

/** @returns the elements a proto file defines: messages, their fields, services and their methods (no package prefix). */
export function protoElements(file: string, includeDirs: string[] = []): Set<string> {
  const found = new Set<string>();
  for (const [name, definition] of Object.entries(protoLoader.loadSync(file, { includeDirs, keepCase: true }))) {
    const short = name.split('.').pop()!;
    found.add(short);
    if ('format' in definition) {
      if (definition.format === 'Protocol Buffer 3 DescriptorProto')
        for (const field of (definition.type as { field: FieldDescriptor[] }).field) found.add(`${short}.${field.name}`);
    } else {
      for (const method of Object.keys(definition)) found.add(`${short}.${method}`);
    }
  }
  return found;
}
