import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

/**
 * The whole tree is formatted and linted by Biome (biome.jsonc). `biome ci` is the read-only
 * check: it fails on an unformatted file or a lint error without touching anything, so
 * `npm test` refuses what `npm run format` / `npm run lint -- --write` would have fixed.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const biome = join(dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')), 'bin', 'biome');
const run = promisify(execFile);

describe('lint', { timeout: 600_000 }, () => {
  it('biome ci reports no formatting or lint errors', async () => {
    try {
      await run(process.execPath, [biome, 'ci', '--colors=off', '.'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      assert.fail(`biome ci failed (run \`npm run format\` and \`npm run lint\`):\n${stdout}${stderr}`);
    }
  });
});
