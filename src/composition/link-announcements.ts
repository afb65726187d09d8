/**
 * Links changed by a process that serves nothing (a CLI command such as `curt seed-clicks`),
 * announced to the instances that cache redirects. With REDIS_URL their shared cache entries are
 * cleared and every instance drops its own, as for a change made through the API; otherwise
 * there is no other instance to tell (embedded PGlite belongs to one process). Without this, a
 * running server would keep answering 404 for up to a minute for a slug it had looked up before
 * the link existed.
 */
export async function announceLinkChanges(redis: { url: string | null; prefix: string }, keys: readonly { domain: string; slug: string }[],
  timeoutMs = 5_000): Promise<boolean> {
  if (redis.url === null || keys.length === 0) return true;
  const { RedisInvalidationBus } = await import('../adapters/redis/invalidation.redis.js');
  const { forgetLink } = await import('../adapters/redis/link-cache.redis.js');
  const prefix = redis.prefix;
  const ignore = () => {};
  const bus = new RedisInvalidationBus(redis.url, { link: ignore, domains: ignore, resync: ignore },
    { prefix, listen: false, forgetLink: (tx, domain, slug) => forgetLink(tx, prefix, domain, slug), onError: ignore });
  try {
    // The connection is still opening: what cannot be sent yet is owed, and sent once it is ready.
    if (await bus.links(keys)) return true;
    const deadline = Date.now() + timeoutMs;
    while (bus.owing > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return bus.owing === 0;
  } finally {
    await bus.close();
  }
}
