import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

/** The repository's `schema/` folder (from `src/` or from a `dist/` build). */
export function schemaRoot(): string {
  for (const up of ['../../schema/', '../../../schema/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'common'))) return dir;
  }
  throw new Error(`schema/ not found above ${fileURLToPath(import.meta.url)}`);
}

/**
 * @returns the SDL of `schema/common/` followed by that of `schema/<client>/`, each folder's
 * `.graphql` files in name order (snapshots left out).
 * @param root a `schema/` folder (default: the repository's; the schema check passes a copy).
 */
export function loadTypeDefs(client: string, root: string = schemaRoot()): string[] {
  return ['common', client].flatMap((folder) => {
    const dir = join(root, folder);
    return readdirSync(dir)
      // `<client>.snapshot.graphql` is the committed printed schema (npm run schema:update), not SDL to load.
      .filter((file) => file.endsWith('.graphql') && !file.endsWith('.snapshot.graphql'))
      .sort()
      .map((file) => readFileSync(join(dir, file), 'utf8'));
  });
}
