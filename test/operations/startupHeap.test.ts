import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const MB = 1024 * 1024;

interface ProbeResult {
  /** Before the hold (tsx's own start-up may have grown it already). */
  before: number;
  held: boolean;
  released: boolean;
  whileHeld: number;
  afterRelease: number;
}

describe("V8's young generation at start-up", { timeout: 300_000 }, () => {
  it('holds the young generation at its start size while start-up keeps ~40 MB, and lets it grow once released', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/youngGenerationProbe.ts'], { cwd: root });
    const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
    assert.equal(probe.held, true);
    assert.equal(probe.released, true);
    assert.ok(probe.whileHeld <= probe.before, `held: the young generation grew from ${probe.before} to ${probe.whileHeld} bytes`);
    // The control: the same allocations without the hold grow it (V8's default), as under load.
    assert.ok(
      probe.afterRelease >= 2 * probe.whileHeld + 4 * MB,
      `released: the young generation grew only to ${probe.afterRelease} bytes`,
    );
  });

  it('leaves the growth factor alone when the command line sets it', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--semi-space-growth-factor=2', '--import', 'tsx', 'test/fixtures/youngGenerationProbe.ts'],
      {
        cwd: root,
      },
    );
    const probe = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
    assert.equal(probe.held, false);
    assert.equal(probe.released, false);
    assert.ok(
      probe.whileHeld >= 2 * probe.before + 4 * MB,
      `not held: the young generation grew only from ${probe.before} to ${probe.whileHeld} bytes`,
    );
  });
});
