import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { runSchemaCheck } from '../../src/schema/governance/runSchemaCheck.js';
import { buildLiveSchema, CHANGELOG_PATH, manifestPath, printSnapshot, snapshotPath } from '../../src/schema/governance/schemaFiles.js';

// `npm run schema:check` as part of `npm test`: the repository's own schemas pass it, and
// deliberate edits of a temporary copy of the SDL (never the real files) make it fail the way
// a reviewer needs to read.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** @returns a temporary copy of `schema/` and both manifests, laid out like the repository. */
function copyOfRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  copies.push(dir);
  cpSync(join(root, 'schema'), join(dir, 'schema'), { recursive: true });
  for (const bff of ['mobile', 'web']) {
    mkdirSync(join(dir, `bff-${bff}`, 'operations'), { recursive: true });
    cpSync(join(root, manifestPath(bff)), join(dir, manifestPath(bff)));
  }
  return dir;
}

/** Replaces `from` by `to` in a file of the copy, and fails the test if `from` is not there. */
function edit(dir: string, path: string, from: string | RegExp, to: string): void {
  const file = join(dir, path);
  const before = readFileSync(file, 'utf8');
  const after = before.replace(from, to);
  assert.notEqual(after, before, `${String(from)} not found in ${path}`);
  writeFileSync(file, after);
}

const git = (dir: string, ...args: string[]) =>
  run('git', [
    '-C',
    dir,
    '-c',
    'user.name=schema-check',
    '-c',
    'user.email=schema-check@example.invalid',
    '-c',
    'commit.gpgsign=false',
    ...args,
  ]);

describe('schema check', { timeout: 60_000 }, () => {
  it('the repository passes: snapshots current, every shipped operation valid (npm run schema:check exits 0)', async () => {
    const result = await runSchemaCheck({ root, bffs: ['mobile', 'web'] });
    for (const report of result.reports) {
      assert.deepEqual(report.drift, [], `bff-${report.bff} differs from its snapshot: run npm run schema:update`);
      assert.deepEqual(report.operationErrors, []);
      assert.deepEqual(report.unexplained, []);
    }
    assert.equal(result.ok, true);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/schema.ts', 'check'], { cwd: root });
    assert.match(stdout, /bff-mobile: ok/);
    assert.match(stdout, /bff-web: ok/);
  });

  it('fails on a removed field, classifies it breaking and names the shipped operation that still selects it', async () => {
    const dir = copyOfRepository();
    edit(dir, 'schema/mobile/mobile.graphql', '  "The small (200 px) image."\n  imageUrl: String!\n', '');
    const result = await runSchemaCheck({ root: dir, bffs: ['mobile'], base: null });
    const [report] = result.reports;
    assert.equal(result.ok, false);
    assert.deepEqual(
      report!.drift.filter((c) => c.class === 'breaking').map((c) => [c.type, c.path]),
      [['FIELD_REMOVED', 'ProductCard.imageUrl']],
    );
    assert.ok(
      report!.operationErrors.some((e) => e.startsWith('Operation "Home":') && e.includes('"imageUrl"')),
      `the Home operation is named: ${report!.operationErrors.join('; ')}`,
    );
  });

  it('classifies a new enum value as dangerous and a new nullable field as safe', async () => {
    const dir = copyOfRepository();
    edit(dir, 'schema/mobile/mobile.graphql', 'enum StockBadge {\n', 'enum StockBadge {\n  BACKORDER\n');
    edit(dir, 'schema/mobile/mobile.graphql', 'type MobileViewer {\n', 'type MobileViewer {\n  nickname: String\n');
    const [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base: null })).reports;
    assert.deepEqual(
      report!.drift.map((c) => [c.class, c.path]),
      [
        ['dangerous', 'StockBadge.BACKORDER'],
        ['safe', 'MobileViewer.nickname'],
      ],
    );
    assert.equal(report!.ok, false, 'any difference from the snapshot fails until the snapshot is updated');
  });

  it('a breaking change passes only with the snapshot updated and a changelog line naming it, in the same change', async () => {
    const dir = copyOfRepository();
    await git(dir, 'init', '-q');
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', 'base');
    const { stdout } = await git(dir, 'rev-parse', 'HEAD');
    const base = stdout.trim();

    // No operation selects an enum value, so only the changelog rule stands in the way.
    edit(dir, 'schema/mobile/mobile.graphql', /\n {2}LOW_STOCK/, '');
    writeFileSync(join(dir, snapshotPath('mobile')), printSnapshot(buildLiveSchema(dir, 'mobile')));
    let [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base })).reports;
    assert.deepEqual(report!.drift, []);
    assert.deepEqual(
      report!.unexplained.map((c) => [c.class, c.type, c.path]),
      [['breaking', 'ENUM_VALUE_REMOVED', 'StockBadge.LOW_STOCK']],
    );
    assert.equal(report!.ok, false);

    // A line that names another coordinate is not a reason for this one.
    const changelog = join(dir, CHANGELOG_PATH);
    writeFileSync(changelog, `${readFileSync(changelog, 'utf8')}\n- mobile: removed \`StockBadge.LOW\`\n`);
    [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base })).reports;
    assert.equal(report!.ok, false);

    writeFileSync(
      changelog,
      `${readFileSync(changelog, 'utf8')}- mobile: removed \`StockBadge.LOW_STOCK\`: the app shows IN_STOCK until it runs out (no version since 1.0 draws it)\n`,
    );
    [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base })).reports;
    assert.deepEqual(report!.unexplained, []);
    assert.equal(report!.ok, true);

    // Committed, the change is still measured from the base; measured from after it, there is nothing left.
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', 'breaking with reason');
    [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base })).reports;
    assert.equal(report!.ok, true, 'committed together, the reason still counts against the base');
    const { stdout: head } = await git(dir, 'rev-parse', 'HEAD');
    [report] = (await runSchemaCheck({ root: dir, bffs: ['mobile'], base: head.trim() })).reports;
    assert.deepEqual(report!.changes, [], 'measured from after the change, there is nothing to explain');
  });
});
