import { join } from 'node:path';
import { checkSchema, type SchemaCheckReport } from './checkSchema.js';
import {
  addedLines,
  buildLiveSchema,
  CHANGELOG_PATH,
  readAtCommit,
  readIfExists,
  readShippedOperations,
  resolveBaseCommit,
  snapshotPath,
} from './schemaFiles.js';

export interface RunSchemaCheckOptions {
  /** The repository root (or a copy of its `schema/` and `bff-<name>/operations/`). */
  root: string;
  /** The BFFs to check, by name (`mobile`, `web`). */
  bffs: readonly string[];
  /** The base commit; default: resolveBaseCommit(root). `null`: no base (the changelog rule is skipped). */
  base?: string | null;
}

export interface SchemaCheckRun {
  /** The base commit the change was measured from, when there was one. */
  readonly base: string | undefined;
  readonly reports: readonly SchemaCheckReport[];
  readonly ok: boolean;
}

/**
 * `npm run schema:check`: reads each BFF's SDL, snapshot and manifest, the changelog and the
 * base commit's snapshot, and runs checkSchema on them.
 *
 * @returns one report per BFF; `ok` when all pass.
 */
export async function runSchemaCheck(options: RunSchemaCheckOptions): Promise<SchemaCheckRun> {
  const { root } = options;
  const base = options.base === null ? undefined : (options.base ?? resolveBaseCommit(root));
  const changelog = readIfExists(join(root, CHANGELOG_PATH));
  const changelogAdded = base === undefined ? [] : addedLines(readAtCommit(root, base, CHANGELOG_PATH), changelog);
  const reports: SchemaCheckReport[] = [];
  for (const bff of options.bffs) {
    reports.push(
      await checkSchema({
        bff,
        live: buildLiveSchema(root, bff),
        snapshot: readIfExists(join(root, snapshotPath(bff))),
        baseSnapshot: base === undefined ? undefined : readAtCommit(root, base, snapshotPath(bff)),
        changelogAdded,
        operations: readShippedOperations(root, bff),
      }),
    );
  }
  return { base, reports, ok: reports.every((report) => report.ok) };
}

/** @returns the run as text for a terminal: per BFF, what failed and why, then the classified changes. */
export function formatSchemaCheck(run: SchemaCheckRun): string {
  const lines: string[] = [];
  for (const report of run.reports) {
    lines.push(`bff-${report.bff}: ${report.ok ? 'ok' : 'FAILED'}`);
    if (report.drift.length) {
      lines.push(`  the schema differs from ${snapshotPath(report.bff)} (run \`npm run schema:update\` and commit the snapshot):`);
      for (const change of report.drift) lines.push(`    ${change.class.padEnd(9)} ${change.message}`);
    }
    if (report.changes === undefined) {
      lines.push(
        `  no snapshot at the base commit${run.base ? ` ${run.base.slice(0, 12)}` : ' (no git base found)'}: breaking changes not checked against ${CHANGELOG_PATH}`,
      );
    } else if (report.changes.length) {
      lines.push(`  changes since ${run.base?.slice(0, 12)}:`);
      for (const change of report.changes) lines.push(`    ${change.class.padEnd(9)} ${change.message}`);
    }
    for (const change of report.unexplained) {
      lines.push(
        `  breaking change without a reason: ${change.message} — add a line naming \`${change.path}\` to ${CHANGELOG_PATH} in this change`,
      );
    }
    for (const error of report.operationErrors) lines.push(`  shipped operation refused: ${error}`);
    for (const use of report.deprecatedUse) lines.push(`  note: ${use}`);
  }
  return lines.join('\n');
}
