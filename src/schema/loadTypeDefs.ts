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
 * `.graphql` files in name order.
 */
export function loadTypeDefs(client: string): string[] {
  const root = schemaRoot();
  return ['common', client].flatMap((folder) => {
    const dir = join(root, folder);
    return readdirSync(dir)
      .filter((file) => file.endsWith('.graphql'))
      .sort()
      .map((file) => readFileSync(join(dir, file), 'utf8'));
  });
}
