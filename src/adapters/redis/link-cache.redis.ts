import { Redis, type ChainableCommander } from 'ioredis';
import type { SharedEntry, SharedLink, SharedLinkCache } from '../../core/redirect/ports.js';
import { decodeSharedLink, encodeSharedLink, MISSING } from './shared-link-json.js';

export interface LinkCacheTtls {
  /** A known link: bounds Redis memory to the links asked for recently. */
  linkMs: number;
  /** A slug known not to exist (short: see RedisLinkCache). */
  missingMs: number;
}

export const DEFAULT_LINK_CACHE_TTLS: LinkCacheTtls = { linkMs: 60 * 60_000, missingMs: 60_000 };

/** A key's change counter lives this long after its last change: far longer than any load in flight (see RedisLinkCache). */
const VERSION_TTL_MS = 60 * 60_000;

/** The two keys of one domain+slug ('' is the default domain, so `link:/abc`), under CURT_REDIS_PREFIX. */
export function linkCacheKeys(prefix: string, domain: string, slug: string): { value: string; version: string } {
  return { value: `${prefix}link:${domain}/${slug}`, version: `${prefix}link-version:${domain}/${slug}` };
}

/**
 * Clears domain+slug after a committed change: bumps its change counter (so a write-back of a
 * load that began before the change is refused) and deletes its value. The invalidation bus
 * queues these in the same MULTI as the PUBLISH that tells the other instances, so by the time
 * any instance hears of a change the shared entry is already gone.
 */
export function forgetLink(tx: ChainableCommander, prefix: string, domain: string, slug: string): void {
  const keys = linkCacheKeys(prefix, domain, slug);
  tx.incr(keys.version).pexpire(keys.version, VERSION_TTL_MS).del(keys.value);
}

/** SET the value only if the key's change counter is still what the lookup saw ('' for none). */
const STORE_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

type WithStore = Redis & { curtStoreLink(value: string, version: string, token: string, entry: string, ttlMs: number): Promise<number> };

/**
 * The shared link cache on Redis: one MGET per lookup (value and change counter together),
 * compact JSON values with a TTL, and write-backs guarded by the change counter.
 *
 * The race it closes: instance A finds nothing, reads the database (old link), and meanwhile a
 * change commits and clears the key; were A to write back blindly, the old link would be
 * served by every instance until its TTL. The change bumps the key's counter, after its commit,
 * so A's write-back, which carries the counter its lookup saw, is refused. If the counter was
 * bumped before A's lookup, the change had committed before A's database read, which then saw it.
 * The counter lives an hour after the last change, far longer than any load.
 *
 * Unknown slugs are cached too, so enumeration over many instances does not reach the database.
 * Bounded: each entry names one domain+slug and expires after `missingMs` (60 s), so there are
 * never more than the distinct unknown slugs asked for in the last minute, and the redirect's
 * not-found limit (60 a minute per client address) caps how fast any one client adds them.
 */
export class RedisLinkCache implements SharedLinkCache {
  private readonly redis: WithStore;

  constructor(redis: Redis, private readonly prefix: string, private readonly ttls: LinkCacheTtls = DEFAULT_LINK_CACHE_TTLS) {
    // EVALSHA, falling back to EVAL when a restarted Redis no longer has the script.
    redis.defineCommand('curtStoreLink', { numberOfKeys: 2, lua: STORE_IF_UNCHANGED });
    this.redis = redis as WithStore;
  }

  async lookup(domain: string, slug: string): Promise<SharedEntry> {
    const keys = linkCacheKeys(this.prefix, domain, slug);
    const [value, version] = await this.redis.mget(keys.value, keys.version);
    if (value === MISSING) return { found: true, link: null };
    const link = value == null ? undefined : decodeSharedLink(value);
    return link ? { found: true, link } : { found: false, token: version ?? '' };
  }

  store(domain: string, slug: string, token: string, link: SharedLink | null): void {
    const keys = linkCacheKeys(this.prefix, domain, slug);
    const entry = link === null ? MISSING : encodeSharedLink(link);
    // Best effort: a failed write-back only means the next lookup reads the database again.
    this.redis.curtStoreLink(keys.value, keys.version, token, entry, link === null ? this.ttls.missingMs : this.ttls.linkMs).catch(() => {});
  }
}

/**
 * The lookups' connection: a redirect never waits on Redis for long. No offline queue and no
 * retries (commands fail at once while disconnected), and a command Redis does not answer
 * within `commandTimeoutMs` fails too; the redirect then reads the database.
 */
export function openLinkCacheConnection(url: string, commandTimeoutMs = 200): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs, connectTimeout: 2000 });
  redis.on('error', () => {}); // reconnects by itself; failures surface on the lookups, counted as errors
  return redis;
}
