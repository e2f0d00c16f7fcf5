/**
 * `npm start`: the demo backends and both BFFs, each in its own process, on the default
 * ports (backends from 5000, each at its declared port; bff-mobile 4001, bff-web 4002). Prints the URLs; Ctrl-C (or
 * SIGTERM) stops everything cleanly. No Redis or other service is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, BACKENDS, loadConfig } from '../src/index.js';
import { explorerNote } from '../src/server/explorer/explorerNote.js';
import { mobileProfile } from '../bff-mobile/mobileProfile.js';
import { webProfile } from '../bff-web/webProfile.js';

const PROTOCOL_LABELS = { rest: 'REST', grpc: 'gRPC', graphql: 'GraphQL' } as const;
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const children: ChildProcess[] = [];
let stopping = false;

// Loaded ahead of each BFF so that tracing (when the OTEL_* variables enable it) can hook the
// modules it instruments before they load; without those variables it does nothing.
const tracing = './src/observability/tracing/register.ts';

function start(name: string, entry: string, env: Record<string, string> = {}, preload: string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['--import', tsx, ...preload.flatMap((p) => ['--import', p]), entry], {
    cwd: root,
    // The children write to a pipe, not a terminal: tell them whether a person is watching.
    env: { LOG_PRETTY: process.stdout.isTTY && process.env.NODE_ENV !== 'production' ? 'true' : 'false', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  createInterface({ input: child.stdout! }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${code ?? signal}); stopping the rest\n`);
      stop(code ?? 1);
    }
  });
  return child;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (pattern.test(line)) resolve();
    });
  });
}

function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  let alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (alive.length === 0) process.exit(code);
  for (const child of alive) {
    child.once('exit', () => {
      alive = alive.filter((c) => c !== child);
      if (alive.length === 0) process.exit(code);
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// Placed orders move one status on every 20 s, so the order events of the web feed show changes.
const backends = start('backends', 'backends/main.ts', { ORDERS_FULFILMENT_MS: process.env.ORDERS_FULFILMENT_MS ?? '20000' });
await waitForLine(backends, /"event":"backends.ready"/);
// The example routing rules: 10 % of users on catalog v2 (a canary), the mobile featured-list A/B test.
const routing = { ROUTING_RULES_FILE: process.env.ROUTING_RULES_FILE ?? 'routing-rules.json' };
const mobile = start('mobile', 'bff-mobile/main.ts', { BFF_PORT: process.env.MOBILE_PORT ?? '4001', ...routing }, [tracing]);
const web = start('web', 'bff-web/main.ts', { BFF_PORT: process.env.WEB_PORT ?? '4002', ...routing }, [tracing]);
// The BFFs take a while on a cold start (~15 s on 2 cores): tsx compiles the kit, each BFF
// builds its schema, precompiles its manifest's operations and fetches the IdP's keys. Say so,
// and keep saying which one is still starting, instead of going quiet.
process.stdout.write(
  'Backends up. Starting bff-mobile and bff-web (compiling TypeScript, building the schemas, precompiling their operations; ~15 s on a cold start)...\n',
);
const pending = new Set(['bff-mobile', 'bff-web']);
const startedAt = Date.now();
const progress = setInterval(() => {
  process.stdout.write(`  still waiting for ${[...pending].join(' and ')} (${Math.round((Date.now() - startedAt) / 1000)} s)...\n`);
}, 5_000);
await Promise.all([
  waitForLine(mobile, /ready at/).then(() => pending.delete('bff-mobile')),
  waitForLine(web, /ready at/).then(() => pending.delete('bff-web')),
]);
clearInterval(progress);
// Both BFFs started with this configuration, so it loads; what a browser gets depends on the mode.
const mobileConfig = loadConfig(mobileProfile);
const sdl = mobileConfig.production
  ? []
  : [
      `  schemas     http://127.0.0.1:${process.env.MOBILE_PORT ?? '4001'}/graphql/schema.graphql  (SDL with @auth; the same on :${process.env.WEB_PORT ?? '4002'})`,
    ];
process.stdout.write(
  [
    '',
    'Everything is up:',
    `  bff-mobile  http://127.0.0.1:${process.env.MOBILE_PORT ?? '4001'}/graphql   (${explorerNote(mobileConfig)})`,
    `  bff-web     http://127.0.0.1:${process.env.WEB_PORT ?? '4002'}/graphql   (${explorerNote(loadConfig(webProfile))})`,
    ...sdl,
    `  backends    ${BACKEND_NAMES.map((name) => `${name} :${BACKENDS[name].defaultPort} (${PROTOCOL_LABELS[BACKENDS[name].protocol]})`).join('  ')}  catalog v2 :5009  idp :5006`,
    `  queue       ${process.env.BROKER_URL ?? 'embedded in the backends process, :5007 (no durability; BROKER_URL=redis://… for Redis Streams)'}`,
    `  operations  admin ports (BFF port + 100): /healthz  /readyz  /dependencies  /metrics, e.g. http://127.0.0.1:${Number(process.env.MOBILE_PORT ?? '4001') + 100}/metrics; access logs below`,
    '  a token     npm run token -- --sub u-00007',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
