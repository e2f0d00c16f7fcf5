import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { selectedFields } from './fieldCoordinates.js';

/** How a schema change affects clients already in the field. */
export type ChangeClass = 'breaking' | 'dangerous' | 'safe';

export interface ClassifiedChange {
  readonly class: ChangeClass;
  /** graphql-inspector's change type, e.g. `FIELD_REMOVED`. */
  readonly type: string;
  /** The schema coordinate it concerns, e.g. `ProductScreen.images` (the type for a type-level change). */
  readonly path: string;
  readonly message: string;
}

/** One persisted operation a client ships (an entry of `bff-<client>/operations/manifest.json`). */
export interface ShippedOperation {
  readonly name: string;
  readonly body: string;
}

export interface SchemaCheckInput {
  /** The BFF's name (`mobile`, `web`): only for messages. */
  bff: string;
  /** The schema the BFF serves now (built from `schema/`). */
  live: GraphQLSchema;
  /** The committed snapshot (`schema/<bff>/<bff>.snapshot.graphql`); undefined when there is none. */
  snapshot: string | undefined;
  /**
   * The snapshot as it was before this change (at the git base), or undefined when it cannot be
   * known (no git, no base commit): the changelog rule is then skipped, and the report says so.
   */
  baseSnapshot: string | undefined;
  /** The lines of `schema/CHANGELOG.md` this change added (all of it when there is no base). */
  changelogAdded: readonly string[];
  /** Every persisted operation the BFF's clients ship. */
  operations: readonly ShippedOperation[];
}

export interface SchemaCheckReport {
  readonly bff: string;
  /** Live schema against the committed snapshot: anything here means the snapshot is stale. */
  readonly drift: readonly ClassifiedChange[];
  /** Base snapshot against the live schema: what this change does to clients. */
  readonly changes: readonly ClassifiedChange[] | undefined;
  /** Breaking changes of `changes` that no added changelog line names. */
  readonly unexplained: readonly ClassifiedChange[];
  /** `Operation "Home": Cannot query field …`: shipped operations the live schema refuses. */
  readonly operationErrors: readonly string[];
  /** Shipped operations that select a deprecated field: `Operation "ProductScreen" selects ProductScreen.images (deprecated: …)`. */
  readonly deprecatedUse: readonly string[];
  readonly ok: boolean;
}

const CLASS_OF: Record<CriticalityLevel, ChangeClass> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** @returns the changes from `before` to `after`, classified by graphql-inspector, breaking first. */
export async function classifyChanges(before: GraphQLSchema, after: GraphQLSchema): Promise<ClassifiedChange[]> {
  const changes: Change[] = await diff(before, after);
  const order: Record<ChangeClass, number> = { breaking: 0, dangerous: 1, safe: 2 };
  return changes
    .map((change) => ({ class: CLASS_OF[change.criticality.level], type: change.type, path: change.path ?? '', message: change.message }))
    .sort((a, b) => order[a.class] - order[b.class] || a.path.localeCompare(b.path));
}

/**
 * The schema check of one BFF, with no I/O (the caller reads the files and git):
 * 1. the live schema must equal the committed snapshot (`npm run schema:update` writes it), so
 *    that every change to the contract is visible in review as a diff of one file;
 * 2. every breaking change since the base must be named (its coordinate, e.g.
 *    `ProductScreen.images`) by a changelog line added in the same change: the written reason;
 * 3. every shipped operation must validate against the live schema, so a field is never removed
 *    while an operation that an installed app sends still selects it.
 *
 * @returns the report; `ok` is false when any rule fails.
 */
export async function checkSchema(input: SchemaCheckInput): Promise<SchemaCheckReport> {
  const { live } = input;
  const snapshotSchema = input.snapshot === undefined ? undefined : buildSchema(input.snapshot);
  const drift = snapshotSchema
    ? await classifyChanges(snapshotSchema, live)
    : [{ class: 'breaking' as const, type: 'SNAPSHOT_MISSING', path: '', message: `No snapshot of bff-${input.bff} is committed.` }];
  const changes = input.baseSnapshot === undefined ? undefined : await classifyChanges(buildSchema(input.baseSnapshot), live);
  const unexplained = (changes ?? []).filter(
    (change) => change.class === 'breaking' && !input.changelogAdded.some((line) => names(line, change.path)),
  );

  const operationErrors: string[] = [];
  const deprecatedUse: string[] = [];
  for (const operation of input.operations) {
    let document;
    try {
      document = parse(operation.body);
    } catch (error) {
      operationErrors.push(`Operation "${operation.name}": ${(error as Error).message}`);
      continue;
    }
    for (const error of validate(live, document)) operationErrors.push(`Operation "${operation.name}": ${error.message}`);
    for (const { coordinate, field } of selectedFields(live, document)) {
      if (field.deprecationReason != null)
        deprecatedUse.push(`Operation "${operation.name}" selects ${coordinate} (deprecated: ${field.deprecationReason})`);
    }
  }
  return {
    bff: input.bff,
    drift,
    changes,
    unexplained,
    operationErrors,
    deprecatedUse,
    ok: drift.length === 0 && unexplained.length === 0 && operationErrors.length === 0,
  };
}

/** Whether a changelog line names a coordinate as a whole (`Product.image` is not named by `Product.images`). */
function names(line: string, path: string): boolean {
  if (path === '') return false;
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.])${escaped}($|[^A-Za-z0-9_])`).test(line);
}
