/**
 * Schema governance from the command line (README, "Changing the schema"):
 *   npm run schema:check    the live schemas against their snapshots, the changelog and the shipped operations
 *   npm run schema:update   writes schema/<bff>/<bff>.snapshot.graphql from the SDL
 * Exits 1 when a check fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { classifyChanges } from '../src/schema/governance/checkSchema.js';
import { formatSchemaCheck, runSchemaCheck } from '../src/schema/governance/runSchemaCheck.js';
import { buildLiveSchema, CHANGELOG_PATH, printSnapshot, readIfExists, snapshotPath } from '../src/schema/governance/schemaFiles.js';

const root = new URL('..', import.meta.url).pathname;
const BFFS = ['mobile', 'web'] as const;
const [command, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case 'check': {
      const run = await runSchemaCheck({ root, bffs: BFFS });
      console.log(formatSchemaCheck(run));
      return run.ok ? 0 : 1;
    }
    case 'update': {
      for (const bff of BFFS) {
        const live = buildLiveSchema(root, bff);
        const file = join(root, snapshotPath(bff));
        const before = readIfExists(file);
        const changes = before === undefined ? [] : await classifyChanges(buildSchema(before), live);
        writeFileSync(file, printSnapshot(live));
        console.log(`${snapshotPath(bff)}: ${before === undefined ? 'written' : `${changes.length} change(s)`}`);
        for (const change of changes) console.log(`  ${change.class.padEnd(9)} ${change.message}`);
        if (changes.some((c) => c.class === 'breaking')) {
          console.log(`  breaking: name each one (its coordinate, e.g. \`${changes.find((c) => c.class === 'breaking')!.path}\`) with a reason in ${CHANGELOG_PATH}`);
        }
      }
      return 0;
    }
    default:
      console.error(`usage: tsx scripts/schema.ts check|update (got ${[command, ...args].join(' ') || 'nothing'})`);
      return 2;
  }
}

process.exitCode = await main();
