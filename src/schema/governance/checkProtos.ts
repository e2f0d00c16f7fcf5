import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The buf CLI as the @bufbuild/buf package installs it (a node launcher for the platform's binary). */
const BUF = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf');

/** The image of the released gRPC contracts, relative to `protos/`. */
export const RELEASED_IMAGE = 'released.binpb';

export interface ProtoCheckResult {
  readonly ok: boolean;
  /** buf's findings, one per line (`orders/v1/orders.proto:42:3:Previously present field "3" with name "status" on message "Order" was deleted.`). */
  readonly problems: readonly string[];
}

/**
 * `buf breaking` of a `protos/` folder (its buf.yaml says which rules) against an image of the
 * released contracts.
 *
 * @returns ok, or buf's findings; throws when buf itself cannot run (a broken proto is a finding).
 */
export async function checkProtos(protosDir: string, againstImage: string): Promise<ProtoCheckResult> {
  try {
    await run(process.execPath, [BUF, 'breaking', '.', '--against', resolve(againstImage), '--error-format', 'text'], { cwd: protosDir });
    return { ok: true, problems: [] };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number | string; stdout?: string; stderr?: string };
    // 100: findings (or a file that does not compile); anything else: buf did not run.
    if (code !== 100) throw new Error(`buf breaking failed to run (exit ${String(code)}): ${stderr || stdout}`);
    const problems = `${stdout}${stderr}`.split('\n').filter((line) => line.trim() !== '');
    return { ok: false, problems };
  }
}

/** Writes the image of a `protos/` folder: what `checkProtos` compares later versions against. */
export async function buildProtoImage(protosDir: string, output: string): Promise<void> {
  await run(process.execPath, [BUF, 'build', '.', '-o', resolve(output)], { cwd: protosDir });
}
