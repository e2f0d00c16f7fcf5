import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { checkProtos, RELEASED_IMAGE } from '../../src/schema/governance/checkProtos.js';

// `buf breaking` (the @bufbuild/buf package's binary) of protos/ against the committed image
// of the released contracts; deliberate edits go to a temporary copy, never the real files.

const protos = fileURLToPath(new URL('../../protos/', import.meta.url));
const released = join(protos, RELEASED_IMAGE);
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function editedCopy(from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'proto-check-'));
  copies.push(dir);
  cpSync(protos, dir, { recursive: true });
  const file = join(dir, 'orders/v1/orders.proto');
  const before = readFileSync(file, 'utf8');
  const after = before.replace(from, to);
  assert.notEqual(after, before, `${from} not found`);
  writeFileSync(file, after);
  return dir;
}

describe('proto check', { timeout: 60_000 }, () => {
  it('protos/ has no breaking change against the released image', async () => {
    assert.deepEqual(await checkProtos(protos, released), { ok: true, problems: [] });
  });

  it('a deleted field is refused, naming the file, the field and the message', async () => {
    const result = await checkProtos(editedCopy('  int64 updated_at_ms = 6;\n', ''), released);
    assert.equal(result.ok, false);
    assert.ok(
      result.problems.some((p) => p.startsWith('orders/v1/orders.proto:') && p.includes('"updated_at_ms"') && p.includes('"Order"')),
      result.problems.join('\n'),
    );
  });

  it('a renumbered field is refused; a new field is not', async () => {
    assert.equal((await checkProtos(editedCopy('string currency = 8;', 'string currency = 9;'), released)).ok, false);
    assert.deepEqual(await checkProtos(editedCopy('  string currency = 8;\n', '  string currency = 8;\n  string note = 9;\n'), released), {
      ok: true,
      problems: [],
    });
  });
});
