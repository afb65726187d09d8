import type { Link } from '../core/links/link.js';

export type LinkView = ReturnType<LinkPresenter['present']>;

/** Shapes a link for the API: default domain made explicit, password hidden. */
export class LinkPresenter {
  constructor(private readonly baseUrl: URL) {}

  present(link: Link) {
    const origin = link.domain === '' ? this.baseUrl.origin : `https://${link.domain}`;
    return {
      id: link.id, domain: link.domain === '' ? this.baseUrl.host : link.domain, slug: link.slug,
      shortUrl: `${origin}/${link.slug}`, url: link.url, title: link.title, description: link.description, tags: link.tags,
      redirectType: link.redirectType, forwardQuery: link.forwardQuery, expiresAt: link.expiresAt?.toISOString() ?? null,
      expiredUrl: link.expiredUrl, maxClicks: link.maxClicks, hasPassword: link.passwordHash !== null,
      rules: link.rules, variants: link.variants, utm: link.utm, archived: link.archived, clicks: link.clicks,
      createdAt: link.createdAt.toISOString(), updatedAt: link.updatedAt.toISOString(),
    };
  }
}
