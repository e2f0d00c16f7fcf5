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
import { parseArgs } from 'node:util';
import { startBackendsProcess } from '../test/fixtures/startBackends.js';
import { backendEnv } from '../test/fixtures/startBffs.js';
import { compileForBench, startContender } from './lib/contenders.js';
import { runLoad } from './lib/load.js';
import { buildScenarios, SCENARIO_IDS, type BenchRequest, type Scenario } from './lib/scenarios.js';

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
const client = args.contender!;
if (!['mobile', 'web', 'floor'].includes(client)) throw new TypeError(`--contender: mobile, web or floor, got ${client}`);
const scenarioId = (args.scenario ?? (client === 'web' ? 'orders10' : 'home')) as Scenario['id'];
if (!SCENARIO_IDS.includes(scenarioId)) throw new TypeError(`--scenario: one of ${SCENARIO_IDS.join(', ')}`);
const connections = Number(args.connections);
const seconds = Number(args.seconds);
if (!(connections > 0 && seconds > 0)) throw new TypeError('--connections and --seconds must be positive');

const SECRET = 'bench-identity-secret-0123456789';
const root = compileForBench();
const backends = await startBackendsProcess({ IDENTITY_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn' });
const scenario = (await buildScenarios({ idpUrl: backends.urls.idp, cursors: [null], variants: 50 })).find((s) => s.id === scenarioId)!;

let recording = false;
let lines: string[] = [];
let partial = '';
const contender = await startContender(
  {
    id: client,
    kind: client === 'floor' ? 'floor' : 'bff',
    client: client === 'floor' ? 'any' : (client as 'mobile' | 'web'),
    label: client,
    entry: client === 'floor' ? 'bench/floor/main.ts' : `bff-${client}/main.ts`,
    env: args.query ? { SAFELIST_MODE: 'off' } : {},
    nodeArgs: ['--trace-gc-nvp', ...args.flags!.split(' ').filter(Boolean)],
    onStdout: (chunk) => {
      const complete = (partial + chunk).split('\n');
      partial = complete.pop()!;
      if (recording) lines.push(...complete.filter((line) => / gc=s /.test(line)));
    },
  },
  { ...backendEnv(backends), NODE_ENV: 'production', IDENTITY_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' },
  root,
);

try {
  const field = (line: string, name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  for (const query of args.query ?? [undefined]) {
    const requests: BenchRequest[] = scenario.requests.map(({ headers, body }) => {
      const sent = { ...headers };
      if (args.anonymous) delete sent.authorization;
      return { headers: sent, body: query === undefined ? body : JSON.stringify({ query }) };
    });
    await runLoad(contender, requests, { duration: seconds, connections });
    lines = [];
    recording = true;
    const result = await runLoad(contender, requests, { duration: seconds, connections });
    recording = false;
    const total = result.ok + result.failed;
    const allocated = lines.reduce((sum, line) => sum + field(line, 'allocated'), 0);
    const promoted = lines.reduce((sum, line) => sum + field(line, 'promoted'), 0);
    process.stdout.write(
      `${client} ${query ?? `${scenario.operationName} (${scenario.id})`}: ${total} requests (${result.failed} failed), ${lines.length} young collections, ` +
        `allocated ${(allocated / 1024 / total).toFixed(1)} KB/request, promoted ${(promoted / 1024 / total).toFixed(2)} KB/request\n`,
    );
  }
} finally {
  await contender.stop();
  await backends.stop();
}
