import type { Link } from './link.js';

export type LinkSort = 'createdAt' | 'clicks';

export interface LinkQuery {
  workspaceId: string;
  limit: number;
  sort: LinkSort;
  order: 'asc' | 'desc';
  after: { value: string | number; id: string } | null;
  search?: string | undefined;
  tag?: string | undefined;
  domain?: string | undefined;
  urlHash?: string | undefined;
}

export interface NewLink extends Link { urlHash: string }

export interface LinkRepository {
  /** Inserts in one transaction; per link, false when its domain+slug is taken (nothing written for it). */
  insertMany(links: NewLink[]): Promise<boolean[]>;
  findById(workspaceId: string, id: string): Promise<Link | null>;
  /** Across workspaces: the redirect's lookup. */
  findBySlug(domain: string, slug: string): Promise<Link | null>;
  list(query: LinkQuery): Promise<Link[]>;
  /** Writes every field of `link`; 'slug-taken' when its new domain+slug belongs to another link. */
  update(link: NewLink): Promise<'ok' | 'slug-taken' | 'missing'>;
  delete(workspaceId: string, id: string): Promise<Link | null>;
  listTags(workspaceId: string, after: string | null, limit: number): Promise<string[]>;
}

/** Told after every committed change so no instance serves a stale redirect. */
export interface RedirectInvalidation {
  invalidate(domain: string, slug: string): void;
}
