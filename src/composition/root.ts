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
import { WorkspaceService } from '../core/workspaces/workspace-service.js';
import type { WorkspaceRemovalListener } from '../core/workspaces/workspace.js';
import { SqlWorkspaceRepository } from '../adapters/db/repositories/workspace-repository.sql.js';
import { IdempotencyService } from '../core/idempotency/idempotency-service.js';
import { Housekeeping } from '../core/maintenance/housekeeping.js';
import { LinkService } from '../core/links/link-service.js';
import type { RedirectInvalidation } from '../core/links/ports.js';
import { Argon2Hasher } from '../adapters/crypto/argon2-hasher.js';
import { DefaultClickEnricher } from '../adapters/clicks/click-enricher.js';
import { SqlClickStore } from '../adapters/db/click-store.sql.js';
import { SqlVisitorSalts } from '../adapters/db/visitor-salts.sql.js';
import { ClickBuffer } from '../core/analytics/click-buffer.js';
import { ClickIngest } from '../core/analytics/click-ingest.js';
import { SqlClickExportReader } from '../adapters/db/click-export-reader.sql.js';
import { MemoryEventFeed } from '../adapters/events/event-feed.memory.js';
import { linkClicked } from '../core/events/live-event.js';
import { SqlAnalyticsReader } from '../adapters/db/analytics-reader.sql.js';
import type { DatabaseHandle } from '../adapters/db/database.js';
import { clickSpoolDir, openDatabase } from './database-wiring.js';
import { SqlApiKeyRepository } from '../adapters/db/repositories/api-key-repository.sql.js';
import { SqlDomainRepository } from '../adapters/db/repositories/domain-repository.sql.js';
import { SqlIdempotencyStore } from '../adapters/db/repositories/idempotency-store.sql.js';
import { SqlLinkRepository } from '../adapters/db/repositories/link-repository.sql.js';
import { SqlSessionRepository } from '../adapters/db/repositories/session-repository.sql.js';
import { SqlUserRepository } from '../adapters/db/repositories/user-repository.sql.js';
import { MemoryRateLimiter } from '../adapters/limits/rate-limiter.memory.js';
import { buildApp } from '../http/app.js';
import { LinkPresenter } from '../http/link-presenter.js';
import { createGuard } from '../http/plugins/auth.js';
import { clientAddressFor } from '../http/redirect/client-address.js';
import { RedirectHandler } from '../http/redirect/redirect-handler.js';
import type { EventStreamOptions } from '../http/streams/event-stream.js';
import type { Config } from './config.js';
import type { RedisInvalidationBus } from '../adapters/redis/invalidation.redis.js';
import { ClickSpoolWriter } from '../adapters/clicks/click-spool-writer.js';
import { SpoolIngest } from './spool-ingest.js';
import { LinkEvents } from '../core/links/link-events.js';
import type { JobWorker } from '../core/jobs/job-worker.js';
import { SqlJobQueue } from '../adapters/db/job-queue.sql.js';
import type { EventDispatcher } from '../core/events/event-dispatcher.js';
import { buildJobs, type JobsOptions } from './jobs-wiring.js';
import { recordEvents } from '../adapters/db/outbox.sql.js';
import { buildWebhooks, type WebhookWiringOptions, type Webhooks } from './webhook-wiring.js';
import type { JobQueue } from '../core/jobs/ports.js';
import { buildNotifications, type Notifications } from './notifications-wiring.js';
import { buildObservability, type Observability, type ObservabilityOptions } from './metrics-wiring.js';
import { buildLimits, type LimitsOptions } from './limits-wiring.js';
import { buildRedirectCaching, type RedirectCaching } from './redirect-caching.js';

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
  /** Notifications, milestones and invitations (notifications-wiring.ts). */
  notes: Notifications;
}

export interface Curt extends CoreServices {
  app: FastifyInstance;
  /** The hot path's click buffer (flush() stores what was served so far) and the ingest behind it. */
  clicks: ClickBuffer;
  ingest: ClickIngest;
  bootstrapped: BootstrapResult | null;
  /** Live events of every workspace (GET /events); stored clicks are published here. */
  events: EventFeed;
  /** Cache invalidation across instances (REDIS_URL set), else null. */
  invalidation: RedisInvalidationBus | null;
  /** The durable job queue (enqueue; adapters enqueue inside their transactions with enqueueIn). */
  jobs: SqlJobQueue;
  /** The worker loop: features define() their jobs here; it runs in roles all and worker. */
  worker: JobWorker;
  /** The outbox dispatcher: features subscribe() to plan jobs for events. */
  eventDispatcher: EventDispatcher;
  webhooks: Webhooks;
  /** GET /metrics, /readyz and load shedding (metrics-wiring.ts). */
  observability: Observability;
  close(): Promise<void>;
}

export { openDatabase } from './database-wiring.js';

/** Services without HTTP: what the CLI's commands use. */
export const NO_LISTENERS = { invalidate: () => {}, linksRemoved: () => {}, domainSaved: () => {}, domainRemoved: () => {} };

export function buildServices(config: Config, handle: DatabaseHandle, listeners: RedirectInvalidation & DomainListener & Pick<WorkspaceRemovalListener, 'linksRemoved'> = NO_LISTENERS,
  jobs: JobQueue = new SqlJobQueue(handle.db), onError?: (error: unknown, what: string) => void): CoreServices {
  const { db } = handle;
  const hasher = new Argon2Hasher();
  const users = new SqlUserRepository(db);
  const sessions = new SqlSessionRepository(db);
  const linkRepository = new SqlLinkRepository(db, new LinkEvents(config.baseUrl));
  const notes = buildNotifications(config, db, { jobs, users, links: linkRepository, ...(onError ? { onError } : {}) });
  const accounts = new AccountService({
    users, sessions, hasher, signup: config.signup,
    loginFailures: new MemoryRateLimiter('login-account', 10, 15 * 60),
    invitations: notes.invitations,
  });
  const apiKeys = new ApiKeyService(new SqlApiKeyRepository(db));
  const domainRepository = new SqlDomainRepository(db);
  const hosts = new HostPolicy(config.baseUrl.host, domainRepository);
  const links = new LinkService(linkRepository, hosts, hasher, listeners);
  const domains = new DomainService(domainRepository, hosts, listeners);
  const workspaces = new WorkspaceService(new SqlWorkspaceRepository(db), users, undefined, notes.invitations, listeners);
  const analytics = new AnalyticsService(new SqlAnalyticsReader(db), linkRepository, hosts, { rawRetentionDays: config.clickRetentionDays });
  return { handle, accounts, apiKeys, links, domains, workspaces, analytics, users, hasher, linkRepository, domainRepository, sessions, notes };
}

export interface CurtOptions {
  role?: Role;
  /** Tests pass their own database (the caller closes it); otherwise it is opened from config. */
  database?: DatabaseHandle;
  /**
   * The database being opened by `openDatabase(config, { clickSpool: clickSpoolDir(config) })`,
   * started before this module loaded (`curt serve`); Curt owns and closes it.
   */
  opening?: Promise<DatabaseHandle>;
  clickFlushMs?: number;
  /** Rows per query of GET /clicks (tests use tiny pages). */
  clickExportPageSize?: number;
  /** GET /events tuning (tests shorten the heartbeat). */
  eventStream?: Partial<EventStreamOptions>;
  /** The job queue's worker loop (tests shorten the poll and add outbox subscribers). */
  jobs?: JobsOptions;
  /** Tests: where notifications enqueue their jobs instead of the SQL queue (to inspect and drive them). */
  jobQueue?: JobQueue;
  /** Job queue and outbox for webhooks (see webhook-wiring.ts), sender tuning for tests. */
  webhooks?: WebhookWiringOptions;
  /** Load shedding (tests inject pressure) and readiness tuning. */
  observability?: ObservabilityOptions;
  /** Rate limits per minute instead of SPEC §4's defaults (tests use small ones). */
  limits?: LimitsOptions;
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
    ? new RedisClickConsumer(consumerConnection, (pieces) => ingest.ingestPieces(pieces), { key, onError })
    : null;
  return {
    sink: new RedisClickSink(sinkConnection, key),
    consumer,
    /** Metrics (stream length, lag) and /readyz (PING) use the sink's connection: it fails fast while Redis is down. */
    redis: { connection: sinkConnection, key, group: 'ingest' },
    async close() {
      await consumer?.stop();
      consumerConnection?.disconnect();
      sinkConnection.disconnect();
    },
  };
}

/** Stream entries (one per event-loop turn of held redirects) written before waiting for Redis' replies. */
const STREAM_WRITES_IN_FLIGHT = 8;
/** Batches handed to ClickIngest at once without a stream: one being written, one being prepared. */
const INGEST_WRITES_IN_FLIGHT = 2;

export async function createCurt(config: Config, options: CurtOptions = {}): Promise<Curt> {
  const role = options.role ?? 'all';
  // Embedded (one process, no Redis): served clicks go to a local spool, ingested on the database thread.
  const clickSpool = options.database ? undefined : clickSpoolDir(config);
  const handle = options.database ?? (await (options.opening ?? openDatabase(config, { clickSpool })));
  // Set once the services exist; the listeners below run only after a committed change, by then.
  let caching: RedirectCaching | null = null;
  const ingest = new ClickIngest({ enricher: new DefaultClickEnricher(), store: new SqlClickStore(handle.db), salts: new SqlVisitorSalts(handle.db) });
  let log: { warn(obj: object, msg: string): void } | null = null;
  const stream = await clickStream(config, role, ingest, (error) => log?.warn({ err: error }, 'click stream consumer failed; retrying'));
  const spool = clickSpool !== undefined && handle.runTask ? new ClickSpoolWriter(clickSpool, {
    onFull: (full, backlog) => (full
      ? log?.warn({ backlog }, 'click spool: full (ingest is not keeping up); new clicks are dropped and counted until it catches up')
      : log?.warn({ backlog }, 'click spool: spooling clicks again')),
  }) : null;
  const spoolIngest = spool ? new SpoolIngest({
    handle, writer: spool, notify: (stored) => ingest.announce(stored),
    onError: (error) => log?.warn({ err: error }, 'click spool: ingest failed; retrying'),
    onSkipped: (lines) => log?.warn({ lines }, 'click spool: skipped lines that are not clicks (a torn write of a crashed process)'),
  }) : null;
  const clicks = new ClickBuffer(stream?.sink ?? spool ?? ingest, {
    intervalMs: options.clickFlushMs ?? 1000,
    // XADDs pipeline on one connection: a turn's held responses wait for one round trip, not a queue of them.
    // Straight into the database: the next batch is prepared while one is written (ClickIngest).
    // The spool is one file appended in order.
    concurrentWrites: stream ? STREAM_WRITES_IN_FLIGHT : spool ? 1 : INGEST_WRITES_IN_FLIGHT,
    onError: (error) => log?.warn({ err: error, buffered: clicks.stats().buffered }, 'click batch not stored; kept for the next attempt'),
  });
  const services = buildServices(config, handle, {
    // A committed link change also wrote outbox events: the worker polls for them at once.
    invalidate: (domain: string, slug: string) => { caching?.linkChanged(domain, slug); jobs.worker.wake(); },
    linksRemoved: (keys) => caching?.linksChanged(keys),
    domainSaved: (domain) => caching?.domainSaved(domain),
    domainRemoved: (domain) => caching?.domainRemoved(domain),
  }, options.jobQueue ?? { enqueue: (requests) => jobs.queue.enqueue(requests) }, (error, what) => log?.warn({ err: error }, what));
  // In-process LRU, then (REDIS_URL) the shared link cache, then the database; invalidation across instances.
  caching = await buildRedirectCaching(config, role, { links: services.linkRepository, domains: services.domainRepository, clicks, log: () => log });
  const { resolver, hosts, bus } = caching;
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
  const jobs = buildJobs({
    db: handle.db, runWorker: role === 'all' || role === 'worker', feed: events, linkEvents: new LinkEvents(config.baseUrl),
    housekeeping, clickRetentionDays: config.clickRetentionDays, log: () => log,
  }, { ...options.jobs, onOutcome: (name, outcome) => observability.metrics.jobOutcome(name, outcome) });
  const observability = buildObservability(config, {
    handle, clicks, jobs: jobs.queue, redis: stream?.redis ?? null, sharedLinkCache: caching.shared, log: () => log,
    clickSpool: spool && spoolIngest ? { backlog: () => spool.backlog(), dropped: () => spool.dropped(), deferred: () => spoolIngest.deferred() } : null,
  }, options.observability);
  const webhooks = buildWebhooks(config, handle.db, { jobs: jobs.queue, outbox: recordEvents, events: jobs.outbox }, {
    onError: (error) => log?.warn({ err: error }, 'webhooks: link.clicked events not recorded'),
    onOutcome: (outcome) => observability.metrics.webhookOutcome(outcome), ...options.webhooks,
  });
  ingest.onClicks(webhooks.clicks.listener);
  jobs.dispatcher.subscribe(webhooks.subscriber);
  for (const definition of webhooks.jobs) jobs.worker.define(definition);
  // Notifications: milestones hear of stored clicks; their jobs run on the worker.
  ingest.onClicks((stored) => services.notes.milestones.clicksStored(stored));
  jobs.dispatcher.subscribe(services.notes.subscriber);
  for (const definition of services.notes.definitions) jobs.worker.define(definition);
  for (const { name, cron } of services.notes.schedules) jobs.worker.schedule(name, cron);
  services.notes.start();
  // Rate limits (limits-wiring.ts): Redis-backed with REDIS_URL, else per instance.
  const limits = await buildLimits(config, options.limits);
  const app = await buildApp({
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    serveApi: role === 'all' || role === 'api',
    serveRedirects: role === 'all' || role === 'redirect',
    idempotency,
    metrics: { endpoint: observability.metrics, token: config.metricsToken },
    shedder: observability.shedder,
    routes: {
      guard: createGuard({ accounts: services.accounts, apiKeys: services.apiKeys, sessionActors: new SessionActorResolver(services.users), baseUrl: config.baseUrl, quotas: limits.api }),
      baseUrl: config.baseUrl,
      secureCookies: config.baseUrl.protocol === 'https:',
      accounts: services.accounts,
      apiKeys: services.apiKeys,
      links: services.links,
      domains: services.domains,
      workspaces: services.workspaces,
      analytics: services.analytics,
      presenter: new LinkPresenter(config.baseUrl),
      authIpLimiter: limits.auth,
      ready: () => observability.ready(),
      clickExport: new ClickExportService({ reader: new SqlClickExportReader(handle.db), links: services.linkRepository, pageSize: options.clickExportPageSize }),
      liveEvents: new LiveEvents(events),
      eventStream: options.eventStream,
      jobs: jobs.service,
      webhooks: webhooks.service,
      notifications: services.notes.notifications,
      milestones: services.notes.milestones,
    },
    redirects: (fastify) => ({
      handler: new RedirectHandler({
        resolver, baseUrl: config.baseUrl, hosts, log: fastify.log, clientAddress: clientAddressFor(config.trustProxy), holdUntilDurable: stream !== null || spool !== null,
        stats: observability.redirectStats, shedder: observability.shedder,
        notFoundLimiter: limits.notFound,
      }),
      password: { resolver, hasher, hosts, attempts: limits.linkPassword },
    }),
  });
  log = app.log;
  clicks.start();
  stream?.consumer?.start();
  spoolIngest?.start();
  // Housekeeping, per-link rollups and raw click retention are recurring jobs (jobs-wiring.ts).
  jobs.start();
  observability.start();

  let closing: Promise<void> | null = null;
  return {
    ...services, app, bootstrapped, clicks, ingest, events, invalidation: bus, jobs: jobs.queue, worker: jobs.worker, eventDispatcher: jobs.dispatcher, webhooks, observability,
    close: () => {
      closing ??= (async () => {
        observability.stop();
        await app.close();
        await jobs.close();
        await clicks.close().catch((error: unknown) => {
          app.log.error({ err: error, lost: clicks.stats().buffered }, 'clicks could not be stored before shutdown');
        });
        await stream?.close();
        await spoolIngest?.stop().catch((error: unknown) => {
          app.log.error({ err: error }, 'spooled clicks could not be stored before shutdown; they are stored at the next start');
        });
        await spool?.close();
        await caching?.close();
        await webhooks.clicks.idle();
        await services.notes.close();
        await (events as { close?: () => Promise<void> }).close?.();
        await limits.close();
        if (!options.database) await handle.close();
      })();
      return closing;
    },
  };
}
