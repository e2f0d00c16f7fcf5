import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the benchmark compares: each runs as its own process from `entry`. */
export type ContenderKind = 'bff' | 'variant' | 'naive' | 'stock' | 'peer' | 'floor' | 'lean' | 'empty';

export interface ContenderSpec {
  /** Short id used in tables and results.json (`bff`, `naive`, `floor`, …). */
  id: string;
  kind: ContenderKind;
  /** Which BFF it plays (the floor and the empty handler answer for both). */
  client: 'mobile' | 'web' | 'any';
  /** Human label for the report. */
  label: string;
  /** Entry file, relative to the repository root. */
  entry: string;
  /** Environment on top of the common one (backend addresses, secret, port, log level). */
  env: Record<string, string>;
  /** Node flags before the entry (e.g. `--trace-gc-nvp`); none for the benchmark's contenders. */
  nodeArgs?: string[];
  /** Receives the contender's stdout (ignored otherwise). */
  onStdout?: (chunk: string) => void;
}

export interface RunningContender {
  readonly spec: ContenderSpec;
  readonly pid: number;
  /** http://127.0.0.1:N/graphql */
  readonly url: string;
  /** http://127.0.0.1:M, the BFF's admin port (/metrics); the other contenders have none. */
  readonly adminOrigin: string;
  /** CPU seconds (user + system) used so far by the process and every process it started. */
  cpuSeconds(): number;
  /** Peak resident set size (VmHWM) of the largest process of the tree, in bytes, since start or the last `resetPeakRss`. */
  peakRssBytes(): number;
  /** Current resident set size of the largest process of the tree, in bytes. */
  rssBytes(): number;
  /** Undefined while the process runs; once it has exited, how (code or signal) and its last stderr. */
  exited(): string | undefined;
  /** Starts the peak over from the current RSS (Linux `clear_refs` 5), so a window can be measured on its own. */
  resetPeakRss(): void;
  /**
   * Freezes the process tree (SIGSTOP) while another contender is measured: an idle Node
   * process still runs timers and its heap's memory reducer (full collections some seconds
   * after its load ends), which would take CPU from whichever contender is being timed.
   * Resolves once the kernel reports every process of the tree stopped.
   */
  pause(): Promise<void>;
  /** Lets a paused tree run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on every Linux this runs on; /proc times are in these ticks.
// A hang guard, not a budget: a contender starting on a loaded 2-core machine can take over a minute.
const READY_TIMEOUT_MS = 180_000;

/** @returns a TCP port that was free a moment ago on 127.0.0.1 (the contender binds it next). */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    server.close();
    await once(server, 'close');
    // The port is free again once closed, and the kernel may hand it out twice in a row: never
    // give one port to two callers of this process (a contender's public and admin ports).
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Every port freePort has returned in this process. */
const handedOut = new Set<number>();

/** The process and every descendant (cluster workers), from /proc's children lists. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').split(' ')) {
          if (child.trim()) pids.push(Number(child));
        }
      } catch {
        // thread gone
      }
    }
  }
  return pids;
}

/** utime + stime of one process (all its threads), in seconds; 0 when it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** @returns the process state letter from /proc (R, S, T, …); '' when it is gone. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}

/** Starts one process's peak RSS (VmHWM) over from its current RSS (Linux `clear_refs` 5). */
export function resetPeakRssOf(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // exited meanwhile
  }
}

/** @returns one process's peak RSS (VmHWM) in bytes; 0 when it is gone. */
export function peakRssOf(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** @returns one process's current RSS (VmRSS) in bytes; 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Polls until something answers HTTP on `url` (any status: the server is up). */
async function waitUntilServing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before serving:\n${stderr()}`);
    try {
      const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`not serving after ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
}

/**
 * Compiles the kit, both BFFs and the floor, stock, lean and empty contenders with tsc into
 * `.bench-dist/` and returns that root. Contenders then run as deployed (plain node on
 * JavaScript): under tsx each process also carries the compiler and source maps, some
 * 60 MB of memory and start-up work that production never pays.
 */
export function compileForBench(): string {
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  execFileSync(process.execPath, [tsc, '-p', join(REPO_ROOT, 'bench/tsconfig.json')], { cwd: REPO_ROOT, stdio: 'inherit' });
  const out = join(REPO_ROOT, '.bench-dist');
  // What `npm run build` copies beside the compiled code: each BFF finds its SDL, manifest and
  // the protos relative to its own files (its profile), as a deployed build does.
  for (const dir of ['schema', 'protos', 'bff-mobile/operations', 'bff-web/operations']) {
    cpSync(join(REPO_ROOT, dir), join(out, dir), { recursive: true });
  }
  return out;
}

/**
 * Starts one contender as a child process (`node --import tsx <entry>`, or the compiled entry) on a free port of
 * 127.0.0.1 and resolves once it answers HTTP.
 *
 * @throws Error with the child's stderr when it exits or stays silent for 30 s.
 */
export async function startContender(
  spec: ContenderSpec,
  commonEnv: Record<string, string>,
  /** A compiled tree (see `compileForBench`): run `node <root>/<entry>.js`, as deployed, instead of tsx. */
  compiledRoot?: string,
): Promise<RunningContender> {
  const port = await freePort();
  const adminPort = await freePort();
  const args = compiledRoot
    ? [join(compiledRoot, spec.entry.replace(/\.ts$/, '.js'))]
    : ['--import', import.meta.resolve('tsx'), spec.entry];
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...commonEnv, ...spec.env, BFF_HOST: '127.0.0.1', BFF_PORT: String(port), BFF_ADMIN_PORT: String(adminPort) },
    stdio: ['ignore', spec.onStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  if (spec.onStdout) child.stdout!.setEncoding('utf8').on('data', spec.onStdout);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitUntilServing(url, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`contender ${spec.id} (${spec.entry}): ${(error as Error).message}`);
  }
  const pid = child.pid!;
  return {
    spec,
    pid,
    url,
    adminOrigin: `http://127.0.0.1:${adminPort}`,
    cpuSeconds: () => processTree(pid).reduce((sum, p) => sum + cpuOf(p), 0),
    peakRssBytes: () => Math.max(...processTree(pid).map(peakRssOf)),
    rssBytes: () => Math.max(...processTree(pid).map(rssOf)),
    resetPeakRss: () => processTree(pid).forEach(resetPeakRssOf),
    exited: () =>
      child.exitCode === null && child.signalCode === null ? undefined : `exited (${child.exitCode ?? child.signalCode}):\n${stderr}`,
    async pause() {
      signalTree(pid, 'SIGSTOP');
      // The signal is delivered asynchronously: wait for state T (stopped) in /proc.
      const running = (p: number) => !['T', ''].includes(stateOf(p));
      while (processTree(pid).some(running)) await new Promise((resolve) => setTimeout(resolve, 1));
    },
    resume: () => signalTree(pid, 'SIGCONT'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A stopped process would hold SIGTERM until continued.
      signalTree(pid, 'SIGCONT');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await once(child, 'exit');
      clearTimeout(kill);
    },
  };
}

/**
 * Waits until every process this one started (backends, contenders and their workers) is
 * nearly idle: under 10% of one core over 200 ms. A run that ends leaves work behind — in a
 * naive BFF, thousands of backend calls still in flight — and the next contender must not
 * pay for it. Gives up after `maxMs`.
 *
 * @returns how long it waited, ms.
 */
export async function quiesce(maxMs = 20_000): Promise<number> {
  const started = Date.now();
  const children = () => processTree(process.pid).filter((pid) => pid !== process.pid);
  const busy = () => children().reduce((sum, pid) => sum + cpuOf(pid), 0);
  let before = busy();
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = busy();
    if (now - before < 0.02) break;
    before = now;
  }
  return Date.now() - started;
}
