import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { ClickExportService } from '../core/analytics/click-export.js';
import { AnalyticsService } from '../core/analytics/analytics-service.js';
import { ApiKeyService } from '../core/api-keys/api-key-service.js';
import { AccountService } from '../core/auth/account-service.js';
import { SessionActorResolver } from '../core/auth/actor-resolver.js';
import { bootstrap, type BootstrapResult } from '../core/bootstrap/bootstrap.js';
import { HostPolicy } from '../core/domains/host-policy.js';
import { DomainService } from '../core/domains/domain-service.js';
import type { DomainListener } from '../core/domains/domain.js';
import { LiveEvents } from '../core/events/live-events.js';
import type { EventFeed } from '../core/events/ports.js';
import { HostTable } from '../core/redirect/host-table.js';
import { WorkspaceService } from '../core/workspaces/workspace-service.js';
import { SqlWorkspaceRepository } from '../adapters/db/repositories/workspace-repository.sql.js';
import { IdempotencyService } from '../core/idempotency/idempotency-service.js';
import { Housekeeping } from '../core/maintenance/housekeeping.js';
import { LinkService } from '../core/links/link-service.js';
import type { RedirectInvalidation } from '../core/links/ports.js';
import { RedirectResolver } from '../core/redirect/redirect-resolver.js';
import { Argon2Hasher } from '../adapters/crypto/argon2-hasher.js';
import { DefaultClickEnricher } from '../adapters/clicks/click-enricher.js';
import { ClickPartitions } from '../adapters/db/click-partitions.sql.js';
import { LinkRollups } from '../adapters/db/link-rollups.sql.js';
import { SqlClickStore } from '../adapters/db/click-store.sql.js';
import { SqlVisitorSalts } from '../adapters/db/visitor-salts.sql.js';
import { ClickBuffer } from '../core/analytics/click-buffer.js';
import { ClickIngest } from '../core/analytics/click-ingest.js';
import { SqlClickExportReader } from '../adapters/db/click-export-reader.sql.js';
import { MemoryEventFeed } from '../adapters/events/event-feed.memory.js';
import { linkClicked } from '../core/events/live-event.js';
import { SqlAnalyticsReader } from '../adapters/db/analytics-reader.sql.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../adapters/db/database.js';
import { migrate } from '../adapters/db/migrator.js';
import { SqlApiKeyRepository } from '../adapters/db/repositories/api-key-repository.sql.js';
import { SqlDomainRepository } from '../adapters/db/repositories/domain-repository.sql.js';
import { SqlIdempotencyStore } from '../adapters/db/repositories/idempotency-store.sql.js';
import { SqlLinkRepository } from '../adapters/db/repositories/link-repository.sql.js';
import { SqlSessionRepository } from '../adapters/db/repositories/session-repository.sql.js';
import { SqlUserRepository } from '../adapters/db/repositories/user-repository.sql.js';
import { MemoryRateLimiter } from '../adapters/limits/rate-limiter.memory.js';
import { MemoryRedirectCache } from '../adapters/redirect/redirect-cache.memory.js';
import { buildApp } from '../http/app.js';
import { LinkPresenter } from '../http/link-presenter.js';
import { createGuard } from '../http/plugins/auth.js';
import { clientAddressFor } from '../http/redirect/client-address.js';
import { RedirectHandler } from '../http/redirect/redirect-handler.js';
import type { EventStreamOptions } from '../http/streams/event-stream.js';
import type { Config } from './config.js';
import { MIGRATIONS_DIR } from './paths.js';

export type Role = 'all' | 'api' | 'redirect' | 'worker';

export interface CoreServices {
  handle: DatabaseHandle;
  accounts: AccountService;
  apiKeys: ApiKeyService;
  links: LinkService;
  domains: DomainService;
  workspaces: WorkspaceService;
  analytics: AnalyticsService;
  users: SqlUserRepository;
  /** Adapters the server also needs, built once here. */
  hasher: Argon2Hasher;
  linkRepository: SqlLinkRepository;
  domainRepository: SqlDomainRepository;
  sessions: SqlSessionRepository;
}

export interface Curt extends CoreServices {
  app: FastifyInstance;
  /** The hot path's click buffer (flush() stores what was served so far) and the ingest behind it. */
  clicks: ClickBuffer;
  ingest: ClickIngest;
  bootstrapped: BootstrapResult | null;
  /** Live events of every workspace (GET /events); stored clicks are published here. */
  events: EventFeed;
  close(): Promise<void>;
}

/** The one place that turns configuration into a database handle. */
export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  const handle = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPGlite(config.dataDir);
  await migrate(handle.db, MIGRATIONS_DIR);
  return handle;
}

/** Services without HTTP: what the CLI's commands use. */
const NO_LISTENERS = { invalidate: () => {}, domainSaved: () => {}, domainRemoved: () => {} };

export function buildServices(config: Config, handle: DatabaseHandle, listeners: RedirectInvalidation & DomainListener = NO_LISTENERS): CoreServices {
  const { db } = handle;
  const hasher = new Argon2Hasher();
  const users = new SqlUserRepository(db);
  const sessions = new SqlSessionRepository(db);
  const accounts = new AccountService({
    users, sessions, hasher, signup: config.signup,
    loginFailures: new MemoryRateLimiter('login-account', 10, 15 * 60),
  });
  const apiKeys = new ApiKeyService(new SqlApiKeyRepository(db));
  const domainRepository = new SqlDomainRepository(db);
  const hosts = new HostPolicy(config.baseUrl.host, domainRepository);
  const linkRepository = new SqlLinkRepository(db);
  const links = new LinkService(linkRepository, hosts, hasher, listeners);
  const domains = new DomainService(domainRepository, hosts, listeners);
  const workspaces = new WorkspaceService(new SqlWorkspaceRepository(db), users);
  const analytics = new AnalyticsService(new SqlAnalyticsReader(db), linkRepository, hosts, { rawRetentionDays: config.clickRetentionDays });
  return { handle, accounts, apiKeys, links, domains, workspaces, analytics, users, hasher, linkRepository, domainRepository, sessions };
}

export interface CurtOptions {
  role?: Role;
  /** Tests pass their own database; otherwise it is opened from config. */
  database?: DatabaseHandle;
  clickFlushMs?: number;
  /** How often expired sessions and idempotency records are deleted (default hourly). */
  housekeepingMs?: number;
  /** How often closed hours get their per-link dimension rollups (default every minute). */
  linkRollupMs?: number;
  /** Rows per query of GET /clicks (tests use tiny pages). */
  clickExportPageSize?: number;
  /** GET /events tuning (tests shorten the heartbeat). */
  eventStream?: Partial<EventStreamOptions>;
}

/**
 * With REDIS_URL, clicks pass through a Redis stream: serving roles write their batches to it,
 * and roles that ingest (all, worker) consume it. Without it, serving roles ingest directly.
 */
async function clickStream(config: Config, role: Role, ingest: ClickIngest, onError: (error: unknown) => void) {
  if (!config.redisUrl) return null;
  // Loaded only with Redis configured: embedded and plain-PostgreSQL processes never pay for it.
  const { RedisClickConsumer, RedisClickSink, openConsumerConnection, openSinkConnection } = await import('../adapters/redis/click-stream.redis.js');
  const key = `${config.redisPrefix}clicks`;
  const sinkConnection = openSinkConnection(config.redisUrl);
  const consumerConnection = role === 'all' || role === 'worker' ? openConsumerConnection(config.redisUrl) : null;
  const consumer = consumerConnection
    ? new RedisClickConsumer(consumerConnection, (batch) => ingest.ingest(batch), { key, onError })
    : null;
  return {
    sink: new RedisClickSink(sinkConnection, key),
    consumer,
    async close() {
      await consumer?.stop();
      consumerConnection?.disconnect();
      sinkConnection.disconnect();
    },
  };
}

export async function createCurt(config: Config, options: CurtOptions = {}): Promise<Curt> {
  const role = options.role ?? 'all';
  const handle = options.database ?? (await openDatabase(config));
  const cache = new MemoryRedirectCache();
  const ingest = new ClickIngest({ enricher: new DefaultClickEnricher(), store: new SqlClickStore(handle.db), salts: new SqlVisitorSalts(handle.db) });
  let log: { warn(obj: object, msg: string): void } | null = null;
  const stream = await clickStream(config, role, ingest, (error) => log?.warn({ err: error }, 'click stream consumer failed; retrying'));
  const clicks = new ClickBuffer(stream?.sink ?? ingest, {
    intervalMs: options.clickFlushMs ?? 1000,
    onError: (error) => log?.warn({ err: error, buffered: clicks.stats().buffered }, 'click batch not stored; kept for the next attempt'),
  });
  // The listeners run only after a committed change, by which time resolver and hosts exist.
  const services = buildServices(config, handle, {
    invalidate: (domain: string, slug: string) => { cache.invalidate(domain, slug); resolver.invalidated(); },
    domainSaved: (domain) => hosts.domainSaved(domain),
    domainRemoved: (domain) => hosts.domainRemoved(domain),
  });
  const resolver = new RedirectResolver(cache, services.linkRepository, clicks);
  const hosts = new HostTable(config.baseUrl.host, await services.domainRepository.all());
  const { hasher } = services;

  const bootstrapped = role === 'all' || role === 'api'
    ? await bootstrap(services.accounts, services.users, services.apiKeys, `admin@${config.baseUrl.hostname}`, config.initialApiKey)
    : null;

  const idempotency = new IdempotencyService(new SqlIdempotencyStore(handle.db));
  const housekeeping = new Housekeeping(services.sessions, idempotency);
  // With Redis, live events cross instances: a worker's ingest reaches an api process's /events.
  const events: EventFeed = config.redisUrl
    ? new (await import('../adapters/redis/event-feed.redis.js')).RedisEventFeed(config.redisUrl, {
      channelPrefix: config.redisPrefix, onError: (error) => log?.warn({ err: error }, 'live event feed: Redis unavailable'),
    })
    : new MemoryEventFeed();
  ingest.onClicks((stored) => events.publish(stored.map(linkClicked)));
  const app = await buildApp({
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    serveApi: role === 'all' || role === 'api',
    serveRedirects: role === 'all' || role === 'redirect',
    idempotency,
    routes: {
      guard: createGuard({ accounts: services.accounts, apiKeys: services.apiKeys, sessionActors: new SessionActorResolver(services.users), baseUrl: config.baseUrl }),
      baseUrl: config.baseUrl,
      secureCookies: config.baseUrl.protocol === 'https:',
      accounts: services.accounts,
      apiKeys: services.apiKeys,
      links: services.links,
      domains: services.domains,
      workspaces: services.workspaces,
      analytics: services.analytics,
      presenter: new LinkPresenter(config.baseUrl),
      authIpLimiter: new MemoryRateLimiter('auth', 10, 60),
      ready: async () => { await sql`select 1`.execute(handle.db); },
      clickExport: new ClickExportService({ reader: new SqlClickExportReader(handle.db), links: services.linkRepository, pageSize: options.clickExportPageSize }),
      liveEvents: new LiveEvents(events),
      eventStream: options.eventStream,
    },
    redirects: (fastify) => ({
      handler: new RedirectHandler({
        resolver, baseUrl: config.baseUrl, hosts, log: fastify.log, clientAddress: clientAddressFor(config.trustProxy), holdUntilDurable: stream !== null,
      }),
      password: { resolver, hasher, hosts, attempts: new MemoryRateLimiter('link-password', 10, 60) },
    }),
  });
  log = app.log;
  clicks.start();
  stream?.consumer?.start();
  const partitions = new ClickPartitions(handle.db);
  const housekeepingTimer = setInterval(() => {
    housekeeping.run().catch((error: unknown) => app.log.warn({ err: error }, 'housekeeping failed'));
    if (config.clickRetentionDays > 0 && (role === 'all' || role === 'worker')) {
      partitions.prune(Date.now() - config.clickRetentionDays * 86_400_000)
        .catch((error: unknown) => app.log.warn({ err: error }, 'pruning raw clicks failed'));
    }
  }, options.housekeepingMs ?? 3_600_000);
  housekeepingTimer.unref();
  const linkRollups = new LinkRollups(handle.db);
  let rolling = false;
  const linkRollupTimer = role === 'all' || role === 'worker' ? setInterval(() => {
    if (rolling) return;
    rolling = true;
    linkRollups.run().catch((error: unknown) => app.log.warn({ err: error }, 'per-link rollups failed; retried next time'))
      .finally(() => { rolling = false; });
  }, options.linkRollupMs ?? 60_000) : null;
  linkRollupTimer?.unref();

  let closing: Promise<void> | null = null;
  return {
    ...services, app, bootstrapped, clicks, ingest, events,
    close: () => {
      closing ??= (async () => {
        clearInterval(housekeepingTimer);
        if (linkRollupTimer) clearInterval(linkRollupTimer);
        await app.close();
        await clicks.close().catch((error: unknown) => {
          app.log.error({ err: error, lost: clicks.stats().buffered }, 'clicks could not be stored before shutdown');
        });
        await stream?.close();
        await (events as { close?: () => Promise<void> }).close?.();
        if (!options.database) await handle.close();
      })();
      return closing;
    },
  };
}
