/**
 * `npm run safelist`: writes each client's persisted-query manifest,
 * bff-<client>/operations/manifest.json, from the `.graphql` files beside it (SHA-256 of each
 * document → the document). Commit the result: bff-mobile in enforce mode accepts only these
 * operations, and a test fails when a manifest is out of date.
 *
 * `npm run safelist -- --check` writes nothing and exits 1 when a manifest is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildManifest } from '../src/persisted/buildManifest.js';

const CLIENTS = ['mobile', 'web'] as const;
const check = process.argv.includes('--check');
let stale = 0;

for (const client of CLIENTS) {
  const dir = fileURLToPath(new URL(`../bff-${client}/operations/`, import.meta.url));
  const file = `${dir}manifest.json`;
  const text = `${JSON.stringify(buildManifest(dir), null, 2)}\n`;
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // No manifest yet.
  }
  if (current === text) {
    process.stdout.write(`bff-${client}: manifest up to date\n`);
  } else if (check) {
    stale++;
    process.stderr.write(`bff-${client}: ${file} is out of date; run npm run safelist\n`);
  } else {
    writeFileSync(file, text);
    process.stdout.write(`bff-${client}: wrote ${file}\n`);
  }
}
process.exit(stale > 0 ? 1 : 0);
