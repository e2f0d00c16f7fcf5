import { readFileSync } from 'node:fs';
import { hashDocument, type PersistedQueryManifest } from './buildManifest.js';

/**
 * @returns the operations of a manifest file (`npm run safelist` writes them) by hash.
 * @throws Error naming the file when it is missing, not a manifest, or an entry's `id` is
 * not the hash of its `body` (a hand-edited manifest would otherwise let in a document
 * under another's name).
 */
export function loadManifest(path: string): ReadonlyMap<string, string> {
  let manifest: PersistedQueryManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as PersistedQueryManifest;
  } catch (error) {
    throw new Error(`persisted-query manifest ${path}: ${(error as Error).message} (run npm run safelist)`);
  }
  if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new Error(`persisted-query manifest ${path}: not an apollo-persisted-query-manifest version 1`);
  }
  const operations = new Map<string, string>();
  for (const operation of manifest.operations) {
    if (typeof operation.body !== 'string' || hashDocument(operation.body) !== operation.id) {
      throw new Error(`persisted-query manifest ${path}: the id of ${operation.name} is not the SHA-256 of its body`);
    }
    operations.set(operation.id, operation.body);
  }
  return operations;
}
