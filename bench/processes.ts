import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process of the benchmark, with its output going to a log file. */
export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Signals the process, or its whole process group when it was started in one of its own. */
  kill(signal: NodeJS.Signals): void;
}

const children = new Set<Child>();
let refusing: string | null = null;

/** After this (on abort), startChild throws: nothing new starts while cleaning up. */
export function refuseNewChildren(reason: string): void {
  refusing = reason;
}

export function aborted(): string | null {
  return refusing;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  logFile: string;
  cwd?: string;
  /** The executable; default this Node binary (args then start with a script). */
  command?: string;
  /**
   * Start it in a process group of its own and signal the group: for a server that forks
   * workers which outlive a killed parent (nginx's master does not take its workers down
   * when it is SIGKILLed).
   */
  ownProcessGroup?: boolean;
}

export function startChild(name: string, args: string[], options: ChildOptions): Child {
  if (refusing !== null) throw new Error(`not starting ${name}: ${refusing}`);
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'w');
  const group = options.ownProcessGroup ?? false;
  const proc = spawn(options.command ?? process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: group });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = proc.pid;
  let gone = false;
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => { gone = true; children.delete(child); resolve(signal ?? `exit ${code}`); });
    proc.once('error', (error) => { gone = true; children.delete(child); resolve(`error ${error.message}`); });
  });
  // A group leader's pid is its group's id.
  const kill = group
    ? (signal: NodeJS.Signals) => { try { process.kill(-pid, signal); } catch { /* group gone */ } }
    : (signal: NodeJS.Signals) => { proc.kill(signal); };
  const child: Child = { name, proc, pid, logFile: options.logFile, exited, hasExited: () => gone, kill };
  children.add(child);
  return child;
}

/** SIGTERM, then SIGKILL if the process has not exited within timeoutMs. */
export async function stopChild(child: Child, timeoutMs: number): Promise<string> {
  if (child.hasExited()) return child.exited;
  child.kill('SIGTERM');
  const timer = sleep(timeoutMs, 'timeout' as const);
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
  }
  return child.exited;
}

export async function stopAllChildren(timeoutMs: number): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, timeoutMs)));
}

/** Last resort on process exit: nothing this benchmark started may outlive it. */
export function killAllChildrenNow(): void {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resident set size in MiB, from /proc/<pid>/status (VmRSS, reported in kB). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  clockTicks ??= (() => {
    try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
  })();
  return clockTicks;
}

/** The processes whose parent is `pid` (e.g. nginx's workers), from /proc/<pid>/stat. */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name: state, then ppid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** User + system CPU time of a process so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/** CPU time used on the machine since boot (all CPUs; everything but idle and iowait, hypervisor steal included), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / ticksPerSecond();
}

export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Runs `work` with the process stopped (SIGSTOP), and lets it go on (SIGCONT) afterwards, even
 * if `work` fails. The scale-out phases stop the ingest worker during their load runs: in that
 * shape ingest runs on other cores or machines, and here its PostgreSQL backends (which no
 * nice value of the worker's reaches) would take the cores the redirect tier is measured on.
 */
export async function pausedDuring<T>(pid: number, work: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP');
  try {
    return await work();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
