import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { AnalyticsService } from '../core/analytics/analytics-service.js';
import { ApiKeyService } from '../core/api-keys/api-key-service.js';
import { AccountService } from '../core/auth/account-service.js';
import { SessionActorResolver } from '../core/auth/actor-resolver.js';
import { bootstrap, type BootstrapResult } from '../core/bootstrap/bootstrap.js';
import { HostPolicy } from '../core/domains/host-policy.js';
import { DomainService } from '../core/domains/domain-service.js';
import type { DomainListener } from '../core/domains/domain.js';
import { HostTable } from '../core/redirect/host-table.js';
import { WorkspaceService } from '../core/workspaces/workspace-service.js';
import { SqlWorkspaceRepository } from '../adapters/db/repositories/workspace-repository.sql.js';
import { IdempotencyService } from '../core/idempotency/idempotency-service.js';
import { Housekeeping } from '../core/maintenance/housekeeping.js';
import { LinkService } from '../core/links/link-service.js';
import type { RedirectInvalidation } from '../core/links/ports.js';
import { RedirectResolver } from '../core/redirect/redirect-resolver.js';
import { Argon2Hasher } from '../adapters/crypto/argon2-hasher.js';
import { SqlAnalyticsReader } from '../adapters/db/analytics-reader.sql.js';
import { SqlClickCounter } from '../adapters/db/click-counter.sql.js';
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
import { RedirectHandler } from '../http/redirect/redirect-handler.js';
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
  bootstrapped: BootstrapResult | null;
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
}

export async function createCurt(config: Config, options: CurtOptions = {}): Promise<Curt> {
  const role = options.role ?? 'all';
  const handle = options.database ?? (await openDatabase(config));
  const cache = new MemoryRedirectCache();
  const counter = new SqlClickCounter(handle.db, options.clickFlushMs ?? 1000);
  // The listeners run only after a committed change, by which time resolver and hosts exist.
  const services = buildServices(config, handle, {
    invalidate: (domain: string, slug: string) => { cache.invalidate(domain, slug); resolver.invalidated(); },
    domainSaved: (domain) => hosts.domainSaved(domain),
    domainRemoved: (domain) => hosts.domainRemoved(domain),
  });
  const resolver = new RedirectResolver(cache, services.linkRepository, counter);
  const hosts = new HostTable(config.baseUrl.host, await services.domainRepository.all());
  const { hasher } = services;

  const bootstrapped = role === 'all' || role === 'api'
    ? await bootstrap(services.accounts, services.users, services.apiKeys, `admin@${config.baseUrl.hostname}`, config.initialApiKey)
    : null;

  const idempotency = new IdempotencyService(new SqlIdempotencyStore(handle.db));
  const housekeeping = new Housekeeping(services.sessions, idempotency);
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
    },
    redirects: (fastify) => ({
      handler: new RedirectHandler({ resolver, baseUrl: config.baseUrl, hosts, log: fastify.log }),
      password: { resolver, hasher, hosts, attempts: new MemoryRateLimiter('link-password', 10, 60) },
    }),
  });
  counter.start();
  const housekeepingTimer = setInterval(() => {
    housekeeping.run().catch((error: unknown) => app.log.warn({ err: error }, 'housekeeping failed'));
  }, options.housekeepingMs ?? 3_600_000);
  housekeepingTimer.unref();

  let closing: Promise<void> | null = null;
  return {
    ...services, app, bootstrapped,
    close: () => {
      closing ??= (async () => {
        clearInterval(housekeepingTimer);
        await app.close();
        await counter.close();
        if (!options.database) await handle.close();
      })();
      return closing;
    },
  };
}
