import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const BIN = join(process.cwd(), 'bin', 'curt.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running { child: ChildProcessWithoutNullStreams; stdout: () => string; base: string }

/**
 * Starts the real `curt serve` (extra CLI args such as --role) and waits until `readyPath`
 * (/readyz; /healthz where a dependency is meant to be down) answers 200.
 */
export async function serve(env: Record<string, string>, args: string[] = [], readyPath = '/readyz'): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000; // a hang guard, not a timing assertion: CI machines can be busy
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`curt exited early: ${out}`);
    try { if ((await fetch(`${base}${readyPath}`)).status === 200) return { child, stdout: () => out, base }; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`curt did not become ready: ${out}`);
}

export function stop(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
