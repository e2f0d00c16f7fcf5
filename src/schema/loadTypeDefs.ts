import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @returns the SDL of each folder in `dirs`, in that order, each folder's `.graphql` files in
 * name order (committed snapshots, `*.snapshot.graphql`, left out: they are printed schemas,
 * not SDL to load). A BFF passes its folders in (BffProfile.schemaDirs): the kit knows no
 * client's folder.
 * @throws Error (ENOENT) naming a folder that does not exist.
 */
export function loadTypeDefs(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.graphql') && !file.endsWith('.snapshot.graphql'))
      .sort()
      .map((file) => readFileSync(join(dir, file), 'utf8')),
  );
}
