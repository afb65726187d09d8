// The shipped load balancer (deploy/nginx.conf, which compose.yaml mounts into the nginx image)
// run on this machine, in front of Curt processes on 127.0.0.1 ports. Shared by the `balanced`
// bench phase and test/e2e/load-balancer.test.ts, so both exercise the file that ships, not a copy.
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/composition/paths.js';

export const SHIPPED_NGINX_CONF = resolve(PACKAGE_ROOT, 'deploy/nginx.conf');

/** What to tell someone whose machine has no nginx. */
export const NGINX_MISSING = 'nginx is not installed: not on PATH nor in /usr/sbin or /usr/local/sbin (Debian/Ubuntu: apt-get install nginx; its service need not run)';

/** The nginx binary: on PATH, else in /usr/sbin (Debian's package puts it there, which a non-root PATH often lacks); null when neither. */
export function findNginx(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** `nginx/1.22.1`, from `nginx -v` (which prints to stderr). */
export function nginxVersion(binary: string): string {
  const run = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return /nginx\/\S+/.exec(`${run.stderr}${run.stdout}`)?.[0] ?? 'nginx (version unknown)';
}

/** 127.0.0.1 ports standing in for compose's service addresses. */
export interface LocalUpstreams {
  /** Where nginx listens (compose publishes 8080). */
  listen: number;
  /** `api:8080`. */
  api: number;
  /** `redirect-1:8080`, `redirect-2:8080`. */
  redirects: readonly [number, number];
}

/** Replaces the one occurrence of `from`; a shipped file that no longer has it exactly once fails here, not later as a silently different setup. */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`${SHIPPED_NGINX_CONF}: expected "${from}" once, found it ${parts.length - 1} times; update scripts/local-nginx.ts`);
  return parts.join(to);
}

/**
 * The shipped configuration with compose's addresses replaced by local ports, plus only what
 * a foreground run in a private prefix needs: its pid file, errors to stderr (the caller's log),
 * no access log (here it would add a file write per request to what is measured), and temp
 * paths inside the prefix instead of /var/lib/nginx. `daemon off` is given on the command line
 * (LocalNginxSetup.args).
 */
export function localNginxConfig(shipped: string, upstreams: LocalUpstreams, prefix: string): string {
  let conf = shipped;
  conf = replaceOnce(conf, 'listen 8080;', `listen 127.0.0.1:${upstreams.listen};`);
  conf = replaceOnce(conf, 'server api:8080;', `server 127.0.0.1:${upstreams.api};`);
  conf = replaceOnce(conf, 'server redirect-1:8080;', `server 127.0.0.1:${upstreams.redirects[0]};`);
  conf = replaceOnce(conf, 'server redirect-2:8080;', `server 127.0.0.1:${upstreams.redirects[1]};`);
  const temp = (kind: string) => `${kind}_temp_path ${join(prefix, kind)};`;
  conf = replaceOnce(conf, 'http {', ['http {', '  access_log off;', ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${temp(k)}`)].join('\n'));
  const leftover = /\b(api|redirect-\d|postgres|redis):\d+/.exec(conf);
  if (leftover) throw new Error(`${SHIPPED_NGINX_CONF}: compose address ${leftover[0]} left in the local configuration; update scripts/local-nginx.ts`);
  return [`# Generated from ${SHIPPED_NGINX_CONF} by scripts/local-nginx.ts.`, `pid ${join(prefix, 'nginx.pid')};`, 'error_log stderr warn;', conf].join('\n');
}

/** A prefix directory holding a generated configuration, and the arguments that run nginx on it in the foreground. */
export interface LocalNginxSetup {
  binary: string;
  prefix: string;
  origin: string;
  args: string[];
  /** Deletes the prefix (after nginx has exited). */
  remove(): void;
}

/**
 * Writes the local configuration into a fresh temp prefix. The caller spawns `binary args` in a
 * process group of its own and signals the group: a master killed alone leaves its workers
 * serving (they are not told), so only the group is sure to take them all.
 *
 * Run as root, nginx's workers switch to `nobody`, as the nginx image's run as an unprivileged
 * user. The configuration is not given `user root;` (a deviation from the shipped file, and
 * workers serving as root); instead the prefix is mode 0711, so the workers can reach the temp
 * directories nginx creates in it and chowns to them (request bodies over 16 KB are buffered
 * there), but cannot list it.
 */
export function prepareLocalNginx(binary: string, upstreams: LocalUpstreams): LocalNginxSetup {
  const prefix = mkdtempSync(join(tmpdir(), 'curt-nginx-'));
  chmodSync(prefix, 0o711);
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(confFile, localNginxConfig(readFileSync(SHIPPED_NGINX_CONF, 'utf8'), upstreams, prefix));
  return {
    binary,
    prefix,
    origin: `http://127.0.0.1:${upstreams.listen}`,
    // -e stderr: errors before the configuration is read (nginx >= 1.19.5) go to stderr, not the build's default log path.
    args: ['-p', prefix, '-e', 'stderr', '-c', confFile, '-g', 'daemon off;'],
    remove: () => rmSync(prefix, { recursive: true, force: true }),
  };
}
