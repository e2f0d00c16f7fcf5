import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './contenders.js';

/** The optional `hive` contender (Hive Gateway + GraphQL Mesh): its own folder, package.json and lockfile. */
export const HIVE_DIR = join(REPO_ROOT, 'bench/hive');

/**
 * Readies the `hive` contender for `npm run bench -- --hive`: installs bench/hive's own
 * dependencies (`npm ci` there, some 130 MB that the root `npm ci` never pulls) when they are
 * missing, and for a compiled run compiles it beside the others in `compiledRoot` with a link
 * to those dependencies (Node finds them from the compiled files' folder).
 */
export function prepareHive(compiledRoot: string | undefined): void {
  if (!existsSync(join(HIVE_DIR, 'node_modules/@graphql-hive/gateway-runtime'))) {
    process.stdout.write('bench: installing the hive contender (npm ci in bench/hive)\n');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: HIVE_DIR, stdio: 'inherit' });
  }
  if (!compiledRoot) return;
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  execFileSync(process.execPath, [tsc, '-p', join(HIVE_DIR, 'tsconfig.json')], { cwd: REPO_ROOT, stdio: 'inherit' });
  const link = join(compiledRoot, 'bench/hive/node_modules');
  if (!existsSync(link)) symlinkSync(join(HIVE_DIR, 'node_modules'), link, 'dir');
}
