import type { IncomingHttpHeaders } from 'node:http';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { selectedFields } from '../schema/governance/fieldCoordinates.js';

export interface FieldUsageOptions {
  schema: GraphQLSchema;
  /** Client versions with a label of their own; the rest are counted as `other`. Default 20. */
  maxVersions?: number;
  /** Operations a client version sends before it gets its own label (so one-off values don't take the slots). Default 10. */
  promoteAfter?: number;
}

export interface FieldUsage {
  /**
   * Counts one operation: each schema field its document selects, once, for the client version
   * the request names. A loop over a cached list of counters: the fields of a document are
   * found once (documents are the parsed objects Apollo and the fast path keep in their caches).
   */
  record(document: DocumentNode, headers: IncomingHttpHeaders): void;
  /** Adds `bff_field_usage_total` to a registry (the server's `/metrics`). */
  register(registry: Registry): void;
}

/** The headers Apollo Client, Apollo Kotlin and Apollo iOS send when the app sets them. */
export const CLIENT_NAME_HEADER = 'apollographql-client-name';
export const CLIENT_VERSION_HEADER = 'apollographql-client-version';

const LABEL_VALUE = /^[A-Za-z0-9._+-]{1,40}$/;
const OTHER = 0;
/** Pending client versions remembered before the tally starts over (a flood of junk values stays bounded). */
const MAX_PENDING = 1_000;

/**
 * Field usage per client version, the evidence needed before a deprecated field is removed
 * (`npm run schema:usage`). Clients name themselves with the `apollographql-client-name` and
 * `apollographql-client-version` headers; missing or malformed values read as `unknown`.
 *
 * Label cardinality is bounded: a version gets its own `client_name`/`client_version` labels
 * once it has sent `promoteAfter` operations, for the first `maxVersions` versions to do so;
 * every other operation counts as `other`/`other`. A Prometheus counter cannot move counts
 * between label sets without going backwards, so a version keeps its slot for the process's
 * life: in practice the first versions to reach the threshold are the widely installed ones.
 *
 * @returns the recorder and the registration of its counter.
 */
export function createFieldUsage(options: FieldUsageOptions): FieldUsage {
  const { schema } = options;
  const maxVersions = options.maxVersions ?? 20;
  const promoteAfter = options.promoteAfter ?? 10;
  /** Slot 0 is `other`; 1… are the promoted versions, in promotion order. */
  const slots: { name: string; version: string }[] = [{ name: 'other', version: 'other' }];
  const slotOf = new Map<string, number>();
  const pending = new Map<string, number>();
  /** Per field coordinate, its count per slot. */
  const counts = new Map<string, number[]>();
  const byDocument = new WeakMap<DocumentNode, number[][]>();

  const rowsOf = (document: DocumentNode): number[][] => {
    let rows = byDocument.get(document);
    if (!rows) {
      rows = selectedFields(schema, document).map(({ coordinate }) => {
        let row = counts.get(coordinate);
        if (!row) counts.set(coordinate, (row = new Array<number>(maxVersions + 1).fill(0)));
        return row;
      });
      byDocument.set(document, rows);
    }
    return rows;
  };

  const slotFor = (headers: IncomingHttpHeaders): number => {
    const name = labelValue(headers[CLIENT_NAME_HEADER]);
    const version = labelValue(headers[CLIENT_VERSION_HEADER]);
    const key = `${name}@${version}`;
    const slot = slotOf.get(key);
    if (slot !== undefined) return slot;
    if (slots.length > maxVersions) return OTHER;
    const seen = (pending.get(key) ?? 0) + 1;
    if (seen < promoteAfter) {
      if (pending.size >= MAX_PENDING) pending.clear();
      pending.set(key, seen);
      return OTHER;
    }
    pending.delete(key);
    slots.push({ name, version });
    slotOf.set(key, slots.length - 1);
    return slots.length - 1;
  };

  const counter = new Counter({
    name: 'bff_field_usage_total',
    help: 'Operations that selected a schema field, by field coordinate and client version (apollographql-client-name/-version; other: versions beyond the label limit).',
    labelNames: ['field', 'client_name', 'client_version'],
    registers: [],
    collect() {
      // Cumulative totals are kept outside prom-client (an array increment per field per
      // operation instead of a label lookup), and set here at scrape time.
      this.reset();
      for (const [field, row] of counts) {
        for (let slot = 0; slot < slots.length; slot++) {
          const value = row[slot]!;
          if (value > 0) this.inc({ field, client_name: slots[slot]!.name, client_version: slots[slot]!.version }, value);
        }
      }
    },
  });

  return {
    record(document, headers) {
      const slot = slotFor(headers);
      for (const row of rowsOf(document)) row[slot]!++;
    },
    register(registry) {
      registry.registerMetric(counter);
    },
  };
}

function labelValue(header: string | string[] | undefined): string {
  return typeof header === 'string' && LABEL_VALUE.test(header) ? header : 'unknown';
}
