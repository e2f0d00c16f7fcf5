import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { loadTypeDefs } from '../loadTypeDefs.js';
import type { ShippedOperation } from './checkSchema.js';

/** The files the schema governance reads, relative to the repository root. */
export const snapshotPath = (bff: string): string => join('schema', bff, `${bff}.snapshot.graphql`);
export const CHANGELOG_PATH = join('schema', 'CHANGELOG.md');
export const manifestPath = (bff: string): string => join(`bff-${bff}`, 'operations', 'manifest.json');

/**
 * @returns the schema a BFF serves, built from the SDL under `<root>/schema/` alone: resolvers do
 * not change what the schema says, and the check must run on a copy of the SDL as well.
 */
export function buildLiveSchema(root: string, bff: string): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs([join(root, 'schema', 'common'), join(root, 'schema', bff)]) });
}

/**
 * @returns the schema as the snapshot file holds it: printed with the directives applied to it
 * (`@auth`, `@listSize` are part of the contract: a field that starts to need a user breaks
 * anonymous clients), one trailing newline.
 */
export function printSnapshot(schema: GraphQLSchema): string {
  return `${printSchemaWithDirectives(schema)}\n`;
}

/** @returns the file's text, or undefined when it does not exist. */
export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** @returns the operations of a BFF's persisted-operation manifest (none when it has no manifest). */
export function readShippedOperations(root: string, bff: string): ShippedOperation[] {
  const text = readIfExists(join(root, manifestPath(bff)));
  if (text === undefined) return [];
  const manifest = JSON.parse(text) as { operations?: { name?: string; id: string; body: string }[] };
  return (manifest.operations ?? []).map((op) => ({ name: op.name ?? op.id, body: op.body }));
}

/**
 * The commit this change is measured from: `SCHEMA_BASE_REF` when set; else where the branch
 * left `main` (`git merge-base HEAD main`); on `main` itself, the commit before HEAD (a merge's
 * first parent: the main the merged branch was checked against).
 *
 * @returns a commit id, or undefined outside a git checkout or without history (a shallow clone).
 */
export function resolveBaseCommit(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  if (env.SCHEMA_BASE_REF) return git('rev-parse', '--verify', '-q', `${env.SCHEMA_BASE_REF}^{commit}`);
  const head = git('rev-parse', '--verify', '-q', 'HEAD');
  if (!head) return undefined;
  for (const branch of ['main', 'origin/main']) {
    const base = git('merge-base', 'HEAD', branch);
    if (base && base !== head) return base;
  }
  return git('rev-parse', '--verify', '-q', 'HEAD~1');
}

/** @returns a file as it was at `commit`, or undefined when it did not exist there. */
export function readAtCommit(root: string, commit: string, path: string): string | undefined {
  try {
    return execFileSync('git', ['-C', root, 'show', `${commit}:./${path}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 16 << 20,
    });
  } catch {
    return undefined;
  }
}

/** @returns the lines of `now` that `before` does not have (counted, so a repeated line added again counts). */
export function addedLines(before: string | undefined, now: string | undefined): string[] {
  const remaining = new Map<string, number>();
  for (const line of (before ?? '').split('\n')) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const added: string[] = [];
  for (const line of (now ?? '').split('\n')) {
    const left = remaining.get(line) ?? 0;
    if (left > 0) remaining.set(line, left - 1);
    else if (line.trim() !== '') added.push(line);
  }
  return added;
}
