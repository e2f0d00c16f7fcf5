import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load, loadAll } from 'js-yaml';
import { mobileProfile } from '../../bff-mobile/mobileProfile.js';
import { webProfile } from '../../bff-web/webProfile.js';
import { BACKEND_NAMES, BACKENDS } from '../../src/config/backends.js';
import { loadConfig } from '../../src/config/loadConfig.js';

// The deployment files cannot run here (no container engine): what can be checked is.

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

// Manifests are untyped YAML: walk them loosely.
type Doc = Record<string, any>;
const manifests: Doc[] = readdirSync(`${DEPLOY}k8s`)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => loadAll(readFileSync(`${DEPLOY}k8s/${file}`, 'utf8')) as Doc[]);
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata?.name === name);

for (const bff of ['bff-mobile', 'bff-web']) {
  test(`k8s ${bff}: Deployment with probes, limits, non-root and a grace period; Service, HPA and PDB`, () => {
    const deployment = find('Deployment', bff);
    assert.ok(deployment, 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const port = container.ports[0].containerPort;
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.startupProbe.httpGet.path, '/healthz');
    // The admin port: its own containerPort, named by every probe and by Prometheus' annotations.
    const adminPort = Number(container.env.find((e: Doc) => e.name === 'BFF_ADMIN_PORT')?.value);
    assert.ok(adminPort > 0 && adminPort !== port, `BFF_ADMIN_PORT ${adminPort} beside BFF_PORT ${port}`);
    assert.deepEqual(
      container.ports.map((p: Doc) => [p.name, p.containerPort]),
      [
        ['http', port],
        ['admin', adminPort],
      ],
    );
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) assert.equal(container[probe].httpGet.port, 'admin', probe);
    const annotations = deployment.spec.template.metadata.annotations;
    assert.equal(annotations['prometheus.io/scrape'], 'true');
    assert.equal(Number(annotations['prometheus.io/port']), adminPort, 'scraped on the admin port');
    assert.equal(annotations['prometheus.io/path'], '/metrics');
    // Listening on the pod's address (the kubelet and Prometheus come from outside the container).
    assert.equal(find('ConfigMap', 'bff-config')!.data.BFF_ADMIN_HOST, '0.0.0.0');
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
    // The V8 heap is sized explicitly, and below the container's memory limit.
    const nodeOptions = container.env.find((e: Doc) => e.name === 'NODE_OPTIONS')?.value ?? '';
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    const limitMi = Number(/^(\d+)Mi$/.exec(container.resources.limits.memory)?.[1]);
    assert.ok(heapMb > 0 && heapMb <= limitMi * 0.75, `old space ${heapMb} MB within ${limitMi} Mi`);
    // V8's background threads fit the CPU limit: one fewer than its cores, at least 1 (Node's default is 4).
    const poolSize = Number(/--v8-pool-size=(\d+)/.exec(nodeOptions)?.[1]);
    const cpu = String(container.resources.limits.cpu);
    const cpuLimit = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
    assert.ok(
      poolSize >= 1 && poolSize <= Math.max(1, Math.ceil(cpuLimit) - 1),
      `--v8-pool-size=${poolSize} for a CPU limit of ${cpuLimit}`,
    );
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.args, [`dist/${bff}/main.js`]);
    assert.ok(container.env.some((e: Doc) => e.name === 'BFF_PORT' && Number(e.value) === port));
    assert.ok(
      container.env.some((e: Doc) => e.name === 'IDENTITY_HMAC_SECRET' && e.valueFrom?.secretKeyRef),
      'secrets come from a Secret',
    );
    assert.deepEqual(deployment.spec.selector.matchLabels, { 'app.kubernetes.io/name': bff });
    // The grace period covers the preStop pause and the shutdown deadline.
    const config = find('ConfigMap', 'bff-config')!.data;
    const preStop = Number(container.lifecycle.preStop.exec.command.at(-1));
    assert.ok(pod.terminationGracePeriodSeconds > preStop + Number(config.SHUTDOWN_TIMEOUT_MS) / 1000);

    const service = find('Service', bff);
    assert.deepEqual(service?.spec.selector, deployment.spec.selector.matchLabels);
    assert.deepEqual(
      service!.spec.ports.map((p: Doc) => p.targetPort),
      ['http'],
      'the Service (and so any ingress) reaches the public port only, never the admin port',
    );
    const hpa = find('HorizontalPodAutoscaler', bff);
    assert.equal(hpa?.apiVersion, 'autoscaling/v2');
    assert.equal(hpa.spec.scaleTargetRef.name, bff);
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    const pdb = find('PodDisruptionBudget', bff);
    assert.equal(pdb?.apiVersion, 'policy/v1');
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    assert.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, 'a node drain can always proceed');
  });
}

test('k8s Redis and the shared config: BFFs share state only through Redis', () => {
  const redis = find('Deployment', 'redis');
  assert.ok(redis?.spec.template.spec.containers[0].readinessProbe);
  assert.ok(find('Service', 'redis'));
  const config = find('ConfigMap', 'bff-config')!.data;
  assert.equal(config.REDIS_URL, 'redis://redis:6379');
  assert.equal(config.NODE_ENV, 'production');
  const kustomization = load(readFileSync(`${DEPLOY}k8s/kustomization.yaml`, 'utf8')) as Doc;
  const files = readdirSync(`${DEPLOY}k8s`).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  assert.deepEqual([...kustomization.resources].sort(), files.sort(), 'every manifest is in the kustomization');
});

test('k8s: the shared config loads in both BFFs, and the gRPC backends are reached through a headless Service', () => {
  const config = find('ConfigMap', 'bff-config')!.data as Record<string, string>;
  for (const profile of [mobileProfile, webProfile]) {
    const loaded = loadConfig(profile, { ...config, NODE_ENV: 'test' });
    for (const [name, target] of Object.entries(loaded.backends)) assert.ok(target, `${profile.name}: ${name}`);
  }
  const headless = find('Service', 'backends-grpc');
  assert.equal(headless?.spec.clusterIP, 'None', 'one DNS record per pod, so the channel can balance over them');
  const grpcSettings = BACKEND_NAMES.filter((name) => BACKENDS[name].protocol === 'grpc').map((name) => BACKENDS[name].setting);
  assert.ok(grpcSettings.length > 0);
  for (const setting of grpcSettings) {
    const match = /^dns:\/\/\/backends-grpc:(\d+)$/.exec(config[setting]!);
    assert.ok(match, `${setting}: ${config[setting]}`);
    assert.ok(
      headless!.spec.ports.some((p: Doc) => p.port === Number(match![1])),
      `${setting}'s port is on the headless Service`,
    );
  }
});

test('compose: backends, Redis and both BFFs; the file validates with docker-compose', (t) => {
  const compose = load(readFileSync(`${DEPLOY}compose.yaml`, 'utf8')) as Doc;
  assert.deepEqual(Object.keys(compose.services).sort(), ['backends', 'bff-mobile', 'bff-web', 'redis']);
  for (const bff of ['bff-mobile', 'bff-web']) {
    const service = compose.services[bff];
    assert.equal(service.environment.REDIS_URL, 'redis://redis:6379');
    assert.deepEqual(service.command, [`dist/${bff}/main.js`]);
    // The health check asks the admin port's /readyz; only the public port is published.
    const { BFF_PORT, BFF_ADMIN_PORT } = service.environment;
    assert.ok(Number(BFF_ADMIN_PORT) > 0 && BFF_ADMIN_PORT !== BFF_PORT);
    assert.match(service.healthcheck.test.join(' '), /process\.env\.BFF_ADMIN_PORT \+ '\/readyz'/);
    assert.deepEqual(service.ports, [`${BFF_PORT}:${BFF_PORT}`]);
  }
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status !== 0) {
    if (process.env.CI) throw new Error('docker-compose is required in CI (apt-get install -y docker-compose)');
    t.skip('docker-compose is not installed');
    return;
  }
  const check = spawnSync('docker-compose', ['-f', `${DEPLOY}compose.yaml`, 'config', '-q'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('Dockerfile: multi-stage, production dependencies only, non-root, compiled code', () => {
  const dockerfile = readFileSync(`${DEPLOY}Dockerfile`, 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(stages, ['build', 'deps', 'runtime']);
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(runtime, /^USER node$/m);
  assert.doesNotMatch(runtime, /tsx/);
  assert.match(runtime, /COPY --from=deps .*node_modules/);
  assert.match(runtime, /COPY --from=build .*dist/);
  // The public ports only (`docker run -P` publishes whatever is exposed); not the admin ports.
  assert.deepEqual(/^EXPOSE (.*)$/m.exec(runtime)?.[1]?.split(' '), ['4001', '4002']);
});
