/**
 * `npm run test:under-load [-- --runs N --burners N]`: runs the whole suite N times (default 3)
 * while N CPU-burning processes (default 2) run beside it, the check that the tests wait on
 * conditions and not on wall-clock budgets a loaded machine can exceed.
 *
 * The burners are bounded twice: this script kills them when the runs end (or on Ctrl-C), and
 * each one also exits by itself after `--burn-limit-s` (default 3600) in case this script dies.
 * Prints one line per run and exits non-zero if any run failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    burners: { type: 'string', default: '2' },
    'burn-limit-s': { type: 'string', default: '3600' },
  },
});
const runs = Number(values.runs);
const burnerCount = Number(values.burners);
const burnLimitMs = Number(values['burn-limit-s']) * 1000;
const root = new URL('..', import.meta.url).pathname;

const burnerSource = `const end = Date.now() + ${burnLimitMs}; while (Date.now() < end) {}`;
const burners: ChildProcess[] = Array.from({ length: burnerCount }, () =>
  spawn(process.execPath, ['-e', burnerSource], { stdio: 'ignore' }),
);
const stopBurners = () => {
  for (const b of burners) b.kill('SIGKILL');
};
process.on('SIGINT', () => {
  stopBurners();
  process.exit(130);
});

const results: string[] = [];
let failed = 0;
try {
  for (let run = 1; run <= runs; run++) {
    const started = Date.now();
    const child = spawn('npm', ['test'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let tail = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      process.stdout.write(chunk);
      tail = (tail + chunk).slice(-2_000);
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    const summary = tail.trim().split('\n').at(-1) ?? '';
    if (code !== 0) failed++;
    results.push(`run ${run}/${runs}: exit ${code}, ${summary}, ${Math.round((Date.now() - started) / 1000)} s, ${burnerCount} burners`);
  }
} finally {
  stopBurners();
}
console.log(`\n${results.join('\n')}`);
process.exit(failed === 0 ? 0 : 1);
