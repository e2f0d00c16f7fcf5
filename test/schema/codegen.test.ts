import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { typeErrorsOf } from '../support/typeErrors.js';
import { generate } from '@graphql-codegen/cli';
import config from '../../codegen.js';

// The resolver types are generated from the SDL (`npm run codegen`) and committed: this checks
// they are what the SDL generates now, and that they do catch a resolver of the wrong shape.

const root = fileURLToPath(new URL('../..', import.meta.url));
const probes: string[] = [];
after(() => {
  for (const dir of probes) rmSync(dir, { recursive: true, force: true });
});

describe('codegen', { timeout: 120_000 }, () => {
  it('the committed generated files are what npm run codegen writes from the SDL now', async () => {
    const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as { filename: string; content: string }[];
    assert.deepEqual(outputs.map((o) => o.filename).sort(), Object.keys(config.generates).sort());
    for (const { filename, content } of outputs) {
      assert.ok(readFileSync(join(root, filename), 'utf8') === content, `${filename} is stale: run npm run codegen and commit it`);
    }
  });

  it('a resolver returning the wrong shape fails tsc; the right shape compiles', () => {
    // Outside the tsconfig's folders, so that the typecheck test never sees the wrong one.
    const dir = mkdtempSync(join(tmpdir(), 'codegen-probe-'));
    probes.push(dir);
    const types = join(root, 'bff-mobile/generated/resolvers.js');
    const write = (name: string, gallery: string) => {
      const file = join(dir, name);
      writeFileSync(
        file,
        `import type { Resolvers } from ${JSON.stringify(types)};\nexport const probe: Resolvers = { ProductScreen: { gallery: () => ${gallery} } };\n`,
      );
      return file;
    };
    const right = write('right.ts', "[{ url: 'https://img/400.jpg', width: 400 }]");
    const wrong = write('wrong.ts', "['https://img/400.jpg']");
    const probed = typeErrorsOf([right, wrong]);
    const errorsOf = (file: string) => probed.get(file)!;
    assert.deepEqual(errorsOf(right), []);
    const errors = errorsOf(wrong);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /not assignable to type .*ProductImage/s);
  });
});
