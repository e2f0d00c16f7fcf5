import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { applyV8Settings, NO_PRETENURING_FLAG } from '../../src/server/v8Settings.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

interface ProbeResult {
  flags: string[];
  oldSpaceGrowthBytes: number;
  count: number;
}

/** Runs test/fixtures/pretenuringProbe.ts in a fresh process with `env` added. */
async function probe(env: Record<string, string>): Promise<ProbeResult> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/fixtures/pretenuringProbe.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

describe('V8 settings', { timeout: 600_000 }, () => {
  it('turns allocation-site pretenuring off unless BFF_V8_PRETENURING asks for it', () => {
    const set: string[] = [];
    assert.deepEqual(
      applyV8Settings({ pretenuring: false }, (flag) => set.push(flag)),
      [NO_PRETENURING_FLAG],
    );
    assert.deepEqual(set, ['--no-allocation-site-pretenuring']);
    assert.deepEqual(
      applyV8Settings({ pretenuring: true }, (flag) => set.push(flag)),
      [],
    );
    assert.equal(set.length, 1);
  });

  it('by default, short-lived objects stay out of the old generation after a burst; with pretenuring on they go straight into it', async () => {
    // The same process either way; only the setting differs. ~40 bytes per object.
    const [byDefault, withPretenuring] = await Promise.all([probe({}), probe({ BFF_V8_PRETENURING: 'true' })]);
    assert.deepEqual(byDefault.flags, [NO_PRETENURING_FLAG]);
    assert.deepEqual(withPretenuring.flags, []);
    const allocated = withPretenuring.count * 40;
    assert.ok(
      byDefault.oldSpaceGrowthBytes < allocated * 0.1,
      `default: the old generation grew by ${byDefault.oldSpaceGrowthBytes} bytes during ${allocated} bytes of short-lived objects`,
    );
    // The control: the probe does reproduce what the setting prevents.
    assert.ok(
      withPretenuring.oldSpaceGrowthBytes > allocated * 0.5,
      `pretenuring on: the old generation grew by only ${withPretenuring.oldSpaceGrowthBytes} bytes`,
    );
  });
});
