import type { Domain, DomainRepository } from '../core/domains/domain.js';
import { HostTable } from '../core/redirect/host-table.js';
import type { ClickRecorder } from '../core/redirect/ports.js';
import { RedirectResolver, type SlugLookup } from '../core/redirect/redirect-resolver.js';
import { SharedSlugLookup } from '../core/redirect/shared-slug-lookup.js';
import { MemoryRedirectCache } from '../adapters/redirect/redirect-cache.memory.js';
import type { RedisInvalidationBus } from '../adapters/redis/invalidation.redis.js';
import type { Config } from './config.js';
import type { Role } from './root.js';

export interface RedirectCachingDeps {
  links: SlugLookup;
  domains: DomainRepository;
  clicks: ClickRecorder;
  log: () => { warn(obj: object, msg: string): void } | null;
}

export interface RedirectCaching {
  resolver: RedirectResolver;
  hosts: HostTable;
  /** The shared (Redis) level and its hit/miss counters, for GET /metrics; null without Redis or in roles that serve no redirects. */
  shared: SharedSlugLookup | null;
  /** Cache invalidation across instances (REDIS_URL set), else null. */
  bus: RedisInvalidationBus | null;
  /** Told of every committed change made through this instance. */
  linkChanged(domain: string, slug: string): void;
  linksChanged(keys: readonly { domain: string; slug: string }[]): void;
  domainSaved(domain: Domain): void;
  domainRemoved(domain: Domain): void;
  close(): Promise<void>;
}

/**
 * Link resolution's cache levels: the in-process LRU, then with REDIS_URL the link cache every
 * instance shares, then the database. A committed change drops the local entry at once; with
 * Redis, the shared entries are cleared and the change published in one step, and every
 * instance that serves redirects drops its entry on the message (SPEC §6: within 1 s).
 */
export async function buildRedirectCaching(config: Config, role: Role, deps: RedirectCachingDeps): Promise<RedirectCaching> {
  const servesRedirects = role === 'all' || role === 'redirect';
  const cache = new MemoryRedirectCache();
  const hosts = new HostTable(config.baseUrl.host, await deps.domains.all());
  const reloadHosts = () => {
    deps.domains.all().then((domains) => hosts.replaceAll(domains), (error: unknown) => deps.log()?.warn({ err: error }, 'could not reload custom domains'));
  };
  let shared: SharedSlugLookup | null = null;
  let bus: RedisInvalidationBus | null = null;
  let closeShared = async () => {};
  if (config.redisUrl) {
    // Loaded only with Redis configured, like the click stream.
    const { RedisInvalidationBus } = await import('../adapters/redis/invalidation.redis.js');
    const { RedisLinkCache, forgetLink, openLinkCacheConnection } = await import('../adapters/redis/link-cache.redis.js');
    if (servesRedirects) {
      const connection = openLinkCacheConnection(config.redisUrl);
      shared = new SharedSlugLookup(new RedisLinkCache(connection, config.redisPrefix), deps.links);
      closeShared = async () => { connection.disconnect(); };
    }
    bus = new RedisInvalidationBus(config.redisUrl, {
      link: (domain, slug) => { cache.invalidate(domain, slug); resolver.invalidated(); },
      domains: () => reloadHosts(),
      resync: () => { cache.clear(); resolver.invalidated(); reloadHosts(); },
    }, {
      prefix: config.redisPrefix, listen: servesRedirects,
      forgetLink: (tx, domain, slug) => forgetLink(tx, config.redisPrefix, domain, slug),
      onError: (error) => deps.log()?.warn({ err: error }, 'cache invalidation: Redis unavailable'),
    });
    await bus.ready();
  }
  const resolver = new RedirectResolver(cache, shared ?? deps.links, deps.clicks);
  return {
    resolver, hosts, shared, bus,
    linkChanged: (domain, slug) => {
      cache.invalidate(domain, slug);
      resolver.invalidated();
      void bus?.link(domain, slug);
    },
    linksChanged: (keys) => {
      for (const key of keys) cache.invalidate(key.domain, key.slug);
      resolver.invalidated();
      void bus?.links(keys);
    },
    // Domain changes touch no shared link entry: the not-found redirect lives in each host table,
    // and a domain holds no links when removed (entries for its slugs are misses, expiring in 60 s,
    // which a link created on it later clears like any create).
    domainSaved: (domain) => { hosts.domainSaved(domain); void bus?.domains(); },
    domainRemoved: (domain) => { hosts.domainRemoved(domain); void bus?.domains(); },
    close: async () => {
      await bus?.close();
      await closeShared();
    },
  };
}
