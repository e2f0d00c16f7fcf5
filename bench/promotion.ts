/**
 * `npm run bench:promotion [-- options]`: how many bytes per request a contender promotes to
 * V8's old generation, the number behind the BFF's full collections (its p99 bursts and its
 * peak RSS; docs/performance.md, "What is left"). Starts the demo backends and one contender
 * (compiled, as the benchmark runs it) with `--trace-gc-nvp`, drives it from a few connections
 * (so that a request lives far shorter than the interval between young collections, and
 * anything promoted outlived its request), and sums the young collections' `allocated=` and
 * `promoted=` per request. Prints one line per query; loads only 127.0.0.1 and stops by itself.
 *
 * Options:
 *   --contender mobile|web|floor   (default mobile)
 *   --query Q                      an ad-hoc query instead of the scenario's, for a BFF (repeatable; it then runs with SAFELIST_MODE=off)
 *   --scenario home|orders10|…     whose requests (headers, and body unless --query) are sent (default home, or orders10 for web)
 *   --anonymous                    send no Authorization header
 *   --connections N                (default 2)
 *   --seconds S                    measured seconds per query, after as many again of warm-up (default 4)
 *   --flags "…"                    extra node flags for the contender
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startBackendsProcess } from '../test/fixtures/startBackends.js';
import { backendEnv } from '../test/fixtures/startBffs.js';
import { compileForBench, freePort, REPO_ROOT } from './lib/contenders.js';
import { buildScenarios, SCENARIO_IDS, type Scenario } from './lib/scenarios.js';

const { values: args } = parseArgs({
  options: {
    contender: { type: 'string', default: 'mobile' },
    query: { type: 'string', multiple: true },
    scenario: { type: 'string' },
    anonymous: { type: 'boolean', default: false },
    connections: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '4' },
    flags: { type: 'string', default: '' },
  },
});
const contender = args.contender!;
if (!['mobile', 'web', 'floor'].includes(contender)) throw new TypeError(`--contender: mobile, web or floor, got ${contender}`);
const scenarioId = (args.scenario ?? (contender === 'web' ? 'orders10' : 'home')) as Scenario['id'];
if (!SCENARIO_IDS.includes(scenarioId)) throw new TypeError(`--scenario: one of ${SCENARIO_IDS.join(', ')}`);
const connections = Number(args.connections);
const seconds = Number(args.seconds);
if (!(connections > 0 && seconds > 0)) throw new TypeError('--connections and --seconds must be positive');

const SECRET = 'bench-identity-secret-0123456789';
const root = compileForBench();
const backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn' });
const scenario = (await buildScenarios({ idpUrl: backends.urls.idp, cursors: [null], variants: 50 })).find((s) => s.id === scenarioId)!;
const port = await freePort();
const entry = contender === 'floor' ? 'bench/floor/main.js' : `bff-${contender}/main.js`;
const child = spawn(process.execPath, ['--trace-gc-nvp', ...args.flags!.split(' ').filter(Boolean), join(root, entry)], {
  cwd: REPO_ROOT,
  env: {
    ...process.env,
    ...backendEnv(backends),
    NODE_ENV: 'production',
    IDENTITY_HMAC_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    ...(args.query && { SAFELIST_MODE: 'off' }),
    BFF_HOST: '127.0.0.1',
    BFF_PORT: String(port),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let recording = false;
let lines: string[] = [];
let partial = '';
child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
  const text = partial + chunk;
  const complete = text.split('\n');
  partial = complete.pop()!;
  if (recording) lines.push(...complete.filter((line) => / gc=s /.test(line)));
});

try {
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let ready = false, tries = 0; !ready; tries++) {
    if (tries > 100) throw new Error('the contender did not start');
    ready = await fetch(url).then(() => true, () => false);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const field = (line: string, name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  for (const query of args.query ?? [undefined]) {
    let next = 0;
    const load = (duration: number) =>
      autocannon({
        url,
        method: 'POST',
        connections,
        duration,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const chosen = scenario.requests[next++ % scenario.requests.length]!;
              const headers = { ...chosen.headers };
              if (args.anonymous) delete headers.authorization;
              return { ...request, headers, body: query === undefined ? chosen.body : JSON.stringify({ query }) };
            },
          },
        ],
      });
    await load(seconds);
    lines = [];
    recording = true;
    const result = await load(seconds);
    recording = false;
    const requests = result.requests.total;
    const allocated = lines.reduce((sum, line) => sum + field(line, 'allocated'), 0);
    const promoted = lines.reduce((sum, line) => sum + field(line, 'promoted'), 0);
    const label = query ?? `${scenario.operationName} (${scenario.id})`;
    process.stdout.write(
      `${contender} ${label}: ${requests} requests (${result.non2xx + result.errors} failed), ${lines.length} young collections, ` +
        `allocated ${(allocated / 1024 / requests).toFixed(1)} KB/request, promoted ${(promoted / 1024 / requests).toFixed(2)} KB/request\n`,
    );
  }
} finally {
  child.kill('SIGKILL');
  await once(child, 'exit');
  await backends.stop();
}
