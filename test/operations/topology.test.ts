/**
 * The backend topology follows from one declaration (src/config/backends.ts) and each BFF's
 * profile: what the BFFs configure, build and report, what the demo harness serves and what
 * the deploy files say. Nothing here lists a backend by hand, so adding one to the declaration
 * without its deploy entries, or to a profile without its client, fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { load, loadAll } from 'js-yaml';
import { BACKEND_NAMES, BACKENDS, backendAddress, loadConfig, type BackendName } from '../../src/index.js';
import { createBackends } from '../../src/datasources/createBackends.js';
import { DEFAULT_BACKEND_PORTS } from '../../backends/startBackends.js';
import { loadBackendsOptions, PORT_VARS } from '../../backends/loadBackendsOptions.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { BFFS, startBff, type BffName, type RunningBff } from '../fixtures/startBffs.js';

const NAMES = Object.keys(BFFS) as BffName[];
const sorted = (names: readonly string[]) => [...names].sort();

test('config: a BFF configures exactly the backends its profile declares, each at its declared default', () => {
  for (const name of NAMES) {
    const { profile } = BFFS[name];
    const config = loadConfig(profile, {});
    assert.deepEqual(sorted(Object.keys(config.backends)), sorted(profile.backends), `bff-${name}`);
    for (const backend of profile.backends) {
      const declared = BACKENDS[backend];
      assert.equal(config.backends[backend]?.address, backendAddress(backend, '127.0.0.1', declared.defaultPort));
      assert.equal(config.backends[backend]?.timeoutMs, 'timeoutMs' in declared ? declared.timeoutMs : 2_000, `${backend} deadline`);
    }
  }
});

test("config: a backend's own deadline setting wins; a bad address names its setting; an undeclared backend in a profile is a TypeError", () => {
  const web = BFFS.web.profile;
  assert.equal(loadConfig(web, { SHIPPING_TIMEOUT_MS: '750' }).backends.shipping?.timeoutMs, 750);
  assert.equal(loadConfig(web, { UPSTREAM_TIMEOUT_MS: '900' }).backends.users?.timeoutMs, 900);
  assert.throws(() => loadConfig(web, { SHIPPING_URL: 'not a url' }), /SHIPPING_URL/);
  assert.throws(() => loadConfig(web, { ORDERS_ADDR: 'http://orders' }), /ORDERS_ADDR: must be host:port/);
  assert.throws(
    () => loadConfig({ ...web, backends: ['users', 'billing' as BackendName] }),
    (error: unknown) => error instanceof TypeError && /unknown backend "billing"/.test(error.message),
  );
});

test('createBackends builds only the declared backends; reading another is a TypeError naming it', async () => {
  const mobile = BFFS.mobile.profile;
  const backends = createBackends(loadConfig(mobile, {}));
  try {
    assert.deepEqual(sorted(backends.upstreams.map((u) => u.name)), sorted(mobile.backends));
    const unused = BACKEND_NAMES.filter((name) => !mobile.backends.includes(name));
    assert.ok(unused.length > 0, 'the demo has a backend bff-mobile does not call');
    for (const name of unused)
      assert.throws(
        () => backends[name],
        (error: unknown) => error instanceof TypeError && error.message.includes(`"${name}"`),
      );
  } finally {
    await backends.close();
  }
});

test('demo harness: a port and a port variable per declared backend, each default the declared port', () => {
  for (const name of BACKEND_NAMES) {
    assert.equal(DEFAULT_BACKEND_PORTS[name], BACKENDS[name].defaultPort, name);
    assert.equal(PORT_VARS[name], `${name.toUpperCase()}_PORT`);
    assert.equal(loadBackendsOptions({ [PORT_VARS[name]]: '6123' }).ports?.[name], 6123);
  }
  const ports = Object.values(DEFAULT_BACKEND_PORTS);
  assert.equal(new Set(ports).size, ports.length, 'no two servers share a default port');
});

type Doc = Record<string, any>;
const DEPLOY = new URL('../../deploy/', import.meta.url);
const yaml = (file: string) => readFileSync(new URL(file, DEPLOY), 'utf8');

test('deploy: compose and k8s give every BFF the address of each backend it uses; the backends pod serves each declared port', () => {
  const compose = load(yaml('compose.yaml')) as Doc;
  const manifests = ['k8s/config.yaml', 'k8s/backends.yaml'].flatMap((file) => loadAll(yaml(file)) as Doc[]);
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'bff-config')!.data as Record<string, string>;
  for (const name of NAMES) {
    const env = compose.services[`bff-${name}`].environment as Record<string, string>;
    for (const backend of BFFS[name].profile.backends) {
      const { setting, defaultPort } = BACKENDS[backend];
      const expected = backendAddress(backend, 'backends', defaultPort);
      assert.equal(env[setting], expected, `compose bff-${name}: ${setting}`);
      // On Kubernetes the gRPC backends go through their headless Service (balanced per pod).
      const k8s = BACKENDS[backend].protocol === 'grpc' ? `dns:///backends-grpc:${defaultPort}` : expected;
      assert.equal(configMap[setting], k8s, `k8s bff-config: ${setting}`);
    }
  }
  const pod = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'backends')!.spec.template.spec.containers[0];
  const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'backends')!;
  for (const backend of BACKEND_NAMES) {
    const port = BACKENDS[backend].defaultPort;
    const containerPort = (pod.ports as Doc[]).find((p) => p.containerPort === port);
    assert.equal(containerPort?.name, backend, `k8s backends pod: ${backend} on ${port}`);
    assert.ok(
      (service.spec.ports as Doc[]).some((p) => p.port === port && p.targetPort === backend),
      `k8s backends Service: ${backend} on ${port}`,
    );
  }
});

describe('a running BFF reports the backends it uses, and no other', () => {
  let backends: BackendsProcess;
  const bffs: RunningBff[] = [];
  before(async () => {
    backends = await startBackendsProcess();
  });
  after(async () => {
    await Promise.all(bffs.map((bff) => bff.close()));
    await backends?.stop();
  });

  test('the backends process serves every declared backend; /dependencies lists each BFF profile’s', async () => {
    assert.deepEqual(sorted(BACKEND_NAMES.filter((name) => backends.ports[name] > 0)), sorted(BACKEND_NAMES));
    for (const name of NAMES) {
      const bff = await startBff(name, backends);
      bffs.push(bff);
      const report = (await (await fetch(`${bff.adminOrigin}/dependencies`)).json()) as { backends: Record<string, unknown> };
      assert.deepEqual(sorted(Object.keys(report.backends)), sorted(BFFS[name].profile.backends), `bff-${name}`);
    }
  });
});
