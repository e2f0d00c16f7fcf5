import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

/**
 * `engines` is a promise to whoever installs the project: every Node version it names must be
 * one that every installed package supports, or `npm ci` warns EBADENGINE and the code may
 * break on a version the README calls supported. This reads the lock file (what `npm ci`
 * installs, overrides applied) so that a dependency update that drops a Node version fails here
 * rather than in someone's terminal. The `overrides` in package.json keep two such packages on
 * their previous majors (see README, Runtime support).
 */
interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
  dev?: boolean;
}
const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> };
const installed = Object.entries(lock.packages).filter(([path]) => path !== '');
const nameOf = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

test('the lock file and package.json declare the same Node range', () => {
  assert.equal(lock.packages['']?.engines && (lock.packages['']!.engines as { node?: string }).node, pkg.engines.node);
  assert.ok(semver.validRange(pkg.engines.node), `engines.node ${pkg.engines.node} is a semver range`);
});

test('every installed package supports every Node version in engines.node', () => {
  const ours = pkg.engines.node;
  const narrower = installed.flatMap(([path, entry]) => {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (range === undefined) return [];
    return semver.subset(ours, range) ? [] : [`${nameOf(path)}@${entry.version} wants node ${range}`];
  });
  assert.deepEqual(narrower, [], `engines.node is ${ours}, but:\n  ${narrower.join('\n  ')}`);
});

test('the Node running the tests is one engines.node names', () => {
  assert.ok(semver.satisfies(process.versions.node, pkg.engines.node), `node ${process.versions.node} is outside ${pkg.engines.node}`);
});

test('every package with an install script is decided in allowScripts (npm ci prints no install-scripts warning)', () => {
  const policy = pkg.allowScripts ?? {};
  const undecided = installed
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path, entry]) => ({ name: nameOf(path), version: entry.version ?? '' }))
    .filter(({ name, version }) => !(name in policy) && !(`${name}@${version}` in policy));
  assert.deepEqual(undecided, [], 'decide each in package.json "allowScripts" and say why in the README (Runtime support)');
});
