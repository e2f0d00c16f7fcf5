/**
 * Schema governance from the command line (README, "Changing the schema"):
 *   npm run schema:check    the live schemas against their snapshots, the changelog and the shipped operations
 *   npm run schema:update   writes schema/<bff>/<bff>.snapshot.graphql from the SDL
 *   npm run proto:check     buf breaking of protos/ against protos/released.binpb
 *   npm run proto:release   rewrites protos/released.binpb from protos/ (when a contract version is released)
 *   npm run schema:usage -- --metrics-url http://127.0.0.1:4101/metrics [--metrics-url …] [--file dump.prom] [--bff mobile]
 *                           which client versions still select each deprecated field
 * Exits 1 when a check fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { classifyChanges } from '../src/schema/governance/checkSchema.js';
import { buildProtoImage, checkProtos, RELEASED_IMAGE } from '../src/schema/governance/checkProtos.js';
import { formatSchemaCheck, runSchemaCheck } from '../src/schema/governance/runSchemaCheck.js';
import {
  formatDeprecatedUsage,
  parseFieldUsage,
  reportDeprecatedUsage,
  type FieldUsageSample,
} from '../src/schema/governance/reportDeprecatedUsage.js';
import {
  buildLiveSchema,
  CHANGELOG_PATH,
  printSnapshot,
  readIfExists,
  readShippedOperations,
  snapshotPath,
} from '../src/schema/governance/schemaFiles.js';

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
          console.log(
            `  breaking: name each one (its coordinate, e.g. \`${changes.find((c) => c.class === 'breaking')!.path}\`) with a reason in ${CHANGELOG_PATH}`,
          );
        }
      }
      return 0;
    }
    case 'proto-check': {
      const result = await checkProtos(join(root, 'protos'), join(root, 'protos', RELEASED_IMAGE));
      console.log(
        result.ok
          ? `protos/: no breaking change against protos/${RELEASED_IMAGE}`
          : `protos/: breaking changes against protos/${RELEASED_IMAGE} (put them in a new package version, e.g. orders/v2):\n  ${result.problems.join('\n  ')}`,
      );
      return result.ok ? 0 : 1;
    }
    case 'proto-release': {
      await buildProtoImage(join(root, 'protos'), join(root, 'protos', RELEASED_IMAGE));
      console.log(`protos/${RELEASED_IMAGE} written`);
      return 0;
    }
    case 'usage': {
      const { values } = parseArgs({
        args,
        options: { 'metrics-url': { type: 'string', multiple: true }, file: { type: 'string', multiple: true }, bff: { type: 'string' } },
      });
      const texts: string[] = [];
      for (const url of values['metrics-url'] ?? []) {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        texts.push(await response.text());
      }
      for (const file of values.file ?? []) texts.push(readFileSync(file, 'utf8'));
      if (texts.length === 0) {
        console.error('usage: npm run schema:usage -- --metrics-url http://127.0.0.1:4101/metrics [--file dump.prom] [--bff mobile]');
        return 2;
      }
      const samples: FieldUsageSample[] = texts.flatMap(parseFieldUsage);
      // A dump without the bff label (e.g. summed in Prometheus) belongs to the BFF named by --bff.
      const bffs = values.bff ? [values.bff] : [...new Set(samples.map((s) => s.bff).filter((b): b is string => b !== undefined))];
      if (bffs.length === 0) bffs.push(...BFFS);
      for (const bff of bffs) {
        const usage = samples.filter((s) => s.bff === undefined || s.bff === bff);
        console.log(formatDeprecatedUsage(bff, reportDeprecatedUsage(buildLiveSchema(root, bff), usage, readShippedOperations(root, bff))));
      }
      return 0;
    }
    default:
      console.error(
        `usage: tsx scripts/schema.ts check|update|usage|proto-check|proto-release (got ${[command, ...args].join(' ') || 'nothing'})`,
      );
      return 2;
  }
}

process.exitCode = await main();
