import { isInterfaceType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import type { ShippedOperation } from './checkSchema.js';
import { selectedFields } from './fieldCoordinates.js';

/** One series of `bff_field_usage_total`. */
export interface FieldUsageSample {
  readonly bff: string | undefined;
  readonly field: string;
  readonly clientName: string;
  readonly clientVersion: string;
  readonly count: number;
}

export interface DeprecatedFieldUsage {
  readonly coordinate: string;
  readonly reason: string;
  /** Client versions that selected it, most operations first. */
  readonly versions: readonly { name: string; version: string; count: number }[];
  /** Persisted operations of the BFF's manifest that still select it. */
  readonly operations: readonly string[];
}

const SAMPLE = /^bff_field_usage_total\{([^}]*)\}\s+([0-9.eE+-]+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * @returns the `bff_field_usage_total` series of a Prometheus text exposition (a BFF's `/metrics`,
 * or a dump of it); other series are ignored.
 */
export function parseFieldUsage(text: string): FieldUsageSample[] {
  const samples: FieldUsageSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels = new Map<string, string>();
    for (const [, name, value] of match[1]!.matchAll(LABEL))
      labels.set(
        name!,
        value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
      );
    const field = labels.get('field');
    if (!field) continue;
    samples.push({
      bff: labels.get('bff'),
      field,
      clientName: labels.get('client_name') ?? 'unknown',
      clientVersion: labels.get('client_version') ?? 'unknown',
      count: Number(match[2]),
    });
  }
  return samples;
}

/** @returns every deprecated field of the schema's object and interface types, with its reason. */
export function deprecatedFields(schema: GraphQLSchema): { coordinate: string; reason: string }[] {
  const found: { coordinate: string; reason: string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.deprecationReason != null) found.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
    }
  }
  return found;
}

/**
 * Joins a BFF's deprecated fields with the usage seen: which client versions still select each
 * one, and which shipped operations do. A field with neither is the candidate for removal.
 *
 * @param usage samples of this BFF only (filter by `bff` first when several are mixed).
 */
export function reportDeprecatedUsage(
  schema: GraphQLSchema,
  usage: readonly FieldUsageSample[],
  operations: readonly ShippedOperation[],
): DeprecatedFieldUsage[] {
  return deprecatedFields(schema).map(({ coordinate, reason }) => {
    const byVersion = new Map<string, { name: string; version: string; count: number }>();
    for (const sample of usage) {
      if (sample.field !== coordinate || !(sample.count > 0)) continue;
      const key = `${sample.clientName}@${sample.clientVersion}`;
      const entry = byVersion.get(key) ?? { name: sample.clientName, version: sample.clientVersion, count: 0 };
      entry.count += sample.count;
      byVersion.set(key, entry);
    }
    const selecting = operations
      .filter((op) => {
        try {
          return selectedFields(schema, parse(op.body)).some((f) => f.coordinate === coordinate);
        } catch {
          return false;
        }
      })
      .map((op) => op.name);
    return { coordinate, reason, versions: [...byVersion.values()].sort((a, b) => b.count - a.count), operations: selecting };
  });
}

/** @returns the report as text, one block per deprecated field. */
export function formatDeprecatedUsage(bff: string, report: readonly DeprecatedFieldUsage[]): string {
  if (report.length === 0) return `bff-${bff}: no deprecated fields`;
  const lines: string[] = [];
  for (const field of report) {
    lines.push(`bff-${bff}: ${field.coordinate} (deprecated: ${field.reason})`);
    if (field.versions.length === 0) lines.push('  used by no client version in these metrics');
    for (const v of field.versions) lines.push(`  ${v.name} ${v.version}: ${v.count} operation(s)`);
    if (field.operations.length) lines.push(`  selected by shipped operation(s): ${field.operations.join(', ')}`);
    lines.push(
      field.versions.length === 0 && field.operations.length === 0
        ? '  => no evidence of use: removable once these metrics cover the versions still installed'
        : '  => still in use: keep it',
    );
  }
  return lines.join('\n');
}
