/**
 * `npm test`: every `*.test.ts` under test/ through node's test runner (Node 20 does not
 * expand globs), the spec reporter on the console, and the `N passed, N failed` line last.
 * Extra arguments filter the files by substring: `npm test -- security`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = findTests(join(root, 'test'))
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const summaryFile = join(mkdtempSync(join(tmpdir(), 'bff-tests-')), 'summary.txt');
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    // A hang guard, not a budget: a test still running after 10 minutes fails (naming itself)
    // instead of holding the whole run until CI's limit.
    '--test-timeout=600000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'test/support/countingReporter.mjs')}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' } },
);
child.on('exit', (code, signal) => {
  let summary = '';
  try {
    summary = readFileSync(summaryFile, 'utf8').trim();
  } catch {
    summary = '0 passed, 1 failed';
  }
  process.stdout.write(`\n${summary}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
