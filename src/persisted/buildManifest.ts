import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse } from 'graphql';

/**
 * A client's safelist, in Apollo's persisted-query manifest format (what Apollo's
 * `generate-persisted-query-manifest` writes), so Apollo clients and tools can read it.
 */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export interface ManifestOperation {
  /** Lower-case hex SHA-256 of `body`: what APQ clients send as `sha256Hash`. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The document exactly as the client sends it (the file's text, byte for byte). */
  body: string;
}

/** @returns the lower-case hex SHA-256 of a document, as Apollo computes `queryHash`. */
export function hashDocument(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Builds the manifest of every `.graphql` file in `operationsDir` (one operation per file),
 * in file-name order so the output is stable.
 *
 * @throws Error naming the file when one does not parse or holds other than one operation.
 */
export function buildManifest(operationsDir: string): PersistedQueryManifest {
  const files = readdirSync(operationsDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  const operations = files.map((file): ManifestOperation => {
    const body = readFileSync(join(operationsDir, file), 'utf8');
    let document;
    try {
      document = parse(body);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    const definitions = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = definitions[0];
    if (definitions.length !== 1 || !operation?.name) throw new Error(`${file}: expected exactly one named operation`);
    return { id: hashDocument(body), name: operation.name.value, type: operation.operation, body };
  });
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}
