import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

/**
 * The whole repository (kit, both BFFs, backends, tests, scripts, benchmark) compiles under
 * the strict tsconfig. Tests and contenders run through tsx, which strips types without
 * checking them, so without this a type error only shows in `npm run typecheck`.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = promisify(execFile);

describe('typecheck', { timeout: 600_000 }, () => {
  it('tsc --noEmit reports no errors', async () => {
    try {
      await run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      assert.fail(`tsc --noEmit failed:\n${stdout}${stderr}`);
    }
  });
});
