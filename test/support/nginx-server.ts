import { spawn, type ChildProcess } from 'node:child_process';
import { prepareLocalNginx, type LocalNginxSetup, type LocalUpstreams } from '../../scripts/local-nginx.js';

/**
 * The shipped deploy/nginx.conf run by a real nginx in the foreground, in front of local
 * processes (scripts/local-nginx.ts generates the configuration). It runs in a process group of
 * its own: nginx's workers outlive a master killed alone, so stop() signals the whole group.
 */
export class NginxServer {
  private output = '';

  private constructor(private readonly setup: LocalNginxSetup, private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
  }

  /** Starts it and waits until `readyPath` answers 200 through it. */
  static async start(binary: string, upstreams: LocalUpstreams, readyPath = '/healthz'): Promise<NginxServer> {
    const setup = prepareLocalNginx(binary, upstreams);
    const server = new NginxServer(setup, spawn(binary, setup.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
    for (let i = 0; i < 500; i++) { // a hang guard of ~10 s, not a timing assertion
      if (server.child.exitCode !== null) {
        setup.remove();
        throw new Error(`nginx exited (${server.child.exitCode}): ${server.output}`);
      }
      try {
        if ((await fetch(`${setup.origin}${readyPath}`)).status === 200) return server;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await server.stop();
    throw new Error(`nginx did not answer 200 on ${readyPath}: ${server.output}`);
  }

  get origin(): string {
    return this.setup.origin;
  }

  /** What nginx wrote (its error log goes to stderr). */
  log(): string {
    return this.output;
  }

  /** SIGTERM to the group (nginx's fast shutdown), SIGKILL after 5 s; then its prefix directory is deleted. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.setup.remove();
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try { process.kill(-this.child.pid!, signal); } catch { /* the group is gone */ }
  }
}
