import type { Link } from './link.js';

export type LinkView = ReturnType<typeof linkView>;

/**
 * A link as the API and events show it (SPEC §4): the default domain made explicit, the
 * short URL spelled out, dates as ISO strings, the password hash reduced to hasPassword.
 */
export function linkView(link: Link, baseUrl: URL) {
  const origin = link.domain === '' ? baseUrl.origin : `https://${link.domain}`;
  return {
    id: link.id, domain: link.domain === '' ? baseUrl.host : link.domain, slug: link.slug,
    shortUrl: `${origin}/${link.slug}`, url: link.url, title: link.title, description: link.description, tags: link.tags,
    redirectType: link.redirectType, forwardQuery: link.forwardQuery, expiresAt: link.expiresAt?.toISOString() ?? null,
    expiredUrl: link.expiredUrl, maxClicks: link.maxClicks, hasPassword: link.passwordHash !== null,
    rules: link.rules, variants: link.variants, utm: link.utm, archived: link.archived, clicks: link.clicks,
    createdAt: link.createdAt.toISOString(), updatedAt: link.updatedAt.toISOString(),
  };
}
