import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseRetrySchedule } from '../core/webhooks/retry-schedule.js';

/** Typed configuration. Only this module reads the environment (SPEC §2). */
export interface Config {
  port: number;
  host: string;
  baseUrl: URL;
  databaseUrl: string | null;
  dataDir: string;
  redisUrl: string | null;
  /** Prefix of every Redis key Curt uses, so several deployments can share one Redis. */
  redisPrefix: string;
  initialApiKey: string | null;
  trustProxy: boolean | number | string[];
  signup: 'open' | 'closed' | 'invite';
  /** smtp:// or smtps://; null: e-mail notifications off. */
  smtpUrl: string | null;
  /** From header of notification e-mail; default `Curt <curt@{CURT_BASE_URL host}>`. */
  mailFrom: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  clickRetentionDays: number;
  /** CURT_WEBHOOK_RETRY_SCHEDULE: delays before each retry; null keeps SPEC §5's schedule. */
  webhookRetrySchedule: number[] | null;
  /** CURT_WEBHOOK_ALLOW_PRIVATE: webhooks may call loopback/private/link-local addresses (tests, intranets). */
  webhookAllowPrivate: boolean;
  /** CURT_METRICS_TOKEN: when set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** CURT_SHED_EVENT_LOOP_DELAY_MS: requests are shed (503 overloaded) while the event loop lags more; 0 turns it off. */
  shedEventLoopDelayMs: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads NAME, or the file named by NAME_FILE (container secrets); never both. */
function read(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (file !== undefined && file !== '') {
    if (direct !== undefined && direct !== '') throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`${name}_FILE`, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return direct === '' ? undefined : direct;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): URL | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${redact(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return parsed;
}

/** Keeps passwords in connection strings out of error messages. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function trustProxy(env: Env): Config['trustProxy'] {
  const raw = read(env, 'CURT_TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !okBits || extra !== undefined) {
      throw new ConfigError('CURT_TRUST_PROXY', `must be true, false, a hop count or comma-separated IPs/CIDRs; "${entry}" is none of these`);
    }
  }
  return entries;
}

function redisPrefix(env: Env): string {
  const value = read(env, 'CURT_REDIS_PREFIX') ?? 'curt:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(value)) throw new ConfigError('CURT_REDIS_PREFIX', `must be 1-64 characters of [A-Za-z0-9:_.-], got "${value}"`);
  return value;
}

function webhookRetrySchedule(env: Env): number[] | null {
  const raw = read(env, 'CURT_WEBHOOK_RETRY_SCHEDULE');
  if (raw === undefined) return null;
  try {
    return parseRetrySchedule(raw);
  } catch (error) {
    throw new ConfigError('CURT_WEBHOOK_RETRY_SCHEDULE', (error as Error).message);
  }
}

function bool(env: Env, name: string): boolean {
  return oneOf(env, name, ['true', 'false'] as const, 'false') === 'true';
}

export function loadConfig(env: Env): Config {
  const baseUrl = url(env, 'CURT_BASE_URL', ['http:', 'https:']) ?? new URL('http://localhost:8080');
  if (baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
    throw new ConfigError('CURT_BASE_URL', `must be an origin without path, query or fragment, got "${baseUrl.href}"`);
  }
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const initialApiKey = read(env, 'CURT_INITIAL_API_KEY') ?? null;
  if (initialApiKey !== null && !/^curt_[A-Za-z0-9_-]{32,128}$/.test(initialApiKey)) {
    throw new ConfigError('CURT_INITIAL_API_KEY', 'must be "curt_" followed by 32 to 128 characters of [A-Za-z0-9_-]');
  }
  if (smtpUrl && smtpUrl.hostname === '') throw new ConfigError('SMTP_URL', 'must name a host, e.g. smtp://user:pass@mail.example.com:587');
  const mailFrom = read(env, 'CURT_MAIL_FROM') ?? null;
  // A line break would inject mail headers.
  if (mailFrom !== null && (/[\u0000-\u001f\u007f]/.test(mailFrom) || !/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(mailFrom))) {
    throw new ConfigError('CURT_MAIL_FROM', `must be an e-mail address, got "${mailFrom}"`);
  }
  const metricsToken = read(env, 'CURT_METRICS_TOKEN') ?? null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw new ConfigError('CURT_METRICS_TOKEN', 'must be 16 to 256 printable characters without spaces');
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    baseUrl,
    databaseUrl: databaseUrl ? read(env, 'DATABASE_URL')! : null,
    dataDir: read(env, 'CURT_DATA_DIR') ?? './data',
    redisUrl: redisUrl ? read(env, 'REDIS_URL')! : null,
    redisPrefix: redisPrefix(env),
    initialApiKey,
    trustProxy: trustProxy(env),
    signup: oneOf(env, 'CURT_SIGNUP', ['open', 'closed', 'invite'] as const, 'closed'),
    smtpUrl: smtpUrl ? read(env, 'SMTP_URL')! : null,
    mailFrom: mailFrom ?? `Curt <curt@${baseUrl.hostname}>`,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    clickRetentionDays: integer(env, 'CURT_CLICK_RETENTION_DAYS', 0, 0, 36500),
    webhookRetrySchedule: webhookRetrySchedule(env),
    webhookAllowPrivate: bool(env, 'CURT_WEBHOOK_ALLOW_PRIVATE'),
    metricsToken,
    shedEventLoopDelayMs: integer(env, 'CURT_SHED_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
  };
}
