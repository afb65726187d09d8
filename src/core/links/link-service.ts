import { requireScope, type Actor } from '../auth/actor.js';
import type { PasswordHasher } from '../auth/ports.js';
import type { HostPolicy } from '../domains/host-policy.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { newId, sha256 } from '../ids.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import type { Link, LinkInput } from './link.js';
import { checkLinkInput, type LinkChanges } from './link-validation.js';
import type { LinkRepository, LinkSort, NewLink, RedirectInvalidation } from './ports.js';
import { generateSlug } from './slug.js';

const SLUG_ATTEMPTS = 5;

export interface LinkListRequest {
  limit: number;
  cursor?: string | undefined;
  search?: string | undefined;
  tag?: string | undefined;
  domain?: string | undefined;
  url?: string | undefined;
  sort?: LinkSort | undefined;
  order?: 'asc' | 'desc' | undefined;
}

export type BulkResult = { link: Link } | { error: DomainError };

export class LinkService {
  constructor(
    private readonly links: LinkRepository,
    private readonly hosts: HostPolicy,
    private readonly hasher: PasswordHasher,
    private readonly invalidation: RedirectInvalidation,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(actor: Actor, input: LinkInput): Promise<Link> {
    const [result] = await this.createMany(actor, [input]);
    if (!result || 'error' in result) throw result?.error ?? new DomainError('internal', 'link was not created');
    return result.link;
  }

  /** Each input succeeds or fails on its own; results keep input order. */
  async createMany(actor: Actor, inputs: LinkInput[]): Promise<BulkResult[]> {
    requireScope(actor, 'links:write');
    const results: BulkResult[] = new Array(inputs.length);
    const drafts: Array<{ index: number; link: NewLink; generated: boolean }> = [];
    await Promise.all(inputs.map(async (input, index) => {
      try {
        const changes = await this.validate(actor.workspaceId, input, 'create');
        drafts.push({ index, link: await this.draft(actor, changes), generated: changes.slug === undefined });
      } catch (error) {
        results[index] = { error: asDomainError(error) };
      }
    }));
    // Validations finish in any order (on PostgreSQL they run on several connections); the
    // insert goes in input order so that of two items with one slug the earlier one wins.
    let pending = drafts.sort((x, y) => x.index - y.index);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const inserted = await this.links.insertMany(pending.map((d) => d.link));
      const retry: typeof pending = [];
      pending.forEach((d, i) => {
        if (inserted[i]) {
          results[d.index] = { link: d.link };
          this.invalidation.invalidate(d.link.domain, d.link.slug);
        } else if (d.generated && attempt < SLUG_ATTEMPTS) {
          retry.push({ ...d, link: { ...d.link, slug: generateSlug() } });
        } else {
          results[d.index] = { error: slugTaken(d.link.slug) };
        }
      });
      pending = retry;
    }
    return results;
  }

  async get(actor: Actor, id: string): Promise<Link> {
    requireScope(actor, 'links:read');
    const link = await this.links.findById(actor.workspaceId, id);
    if (!link) throw notFound('link');
    return link;
  }

  async list(actor: Actor, request: LinkListRequest): Promise<{ links: Link[]; nextCursor: string | null }> {
    requireScope(actor, 'links:read');
    const sort = request.sort ?? 'createdAt';
    const after = decodeCursor(request.cursor);
    const wrongKind = after && (sort === 'clicks' ? typeof after.value !== 'number' : typeof after.value !== 'string' || Number.isNaN(Date.parse(after.value)));
    if (wrongKind) throw invalid([{ pointer: '/cursor', detail: 'belongs to a different sort order or was not made by this API' }]);
    const domain = request.domain === undefined ? undefined : await this.hosts.domainFor(actor.workspaceId, request.domain.toLowerCase());
    if (domain === null) return { links: [], nextCursor: null };
    const rows = await this.links.list({
      workspaceId: actor.workspaceId, limit: request.limit + 1, sort, order: request.order ?? 'desc', after,
      search: request.search?.trim() || undefined, tag: request.tag, domain,
      urlHash: request.url === undefined ? undefined : sha256(normalizeUrl(request.url)),
    });
    const links = rows.slice(0, request.limit);
    const last = links.at(-1);
    const nextCursor = rows.length > request.limit && last
      ? encodeCursor({ value: sort === 'clicks' ? last.clicks : last.createdAt.toISOString(), id: last.id })
      : null;
    return { links, nextCursor };
  }

  async update(actor: Actor, id: string, input: LinkInput): Promise<Link> {
    requireScope(actor, 'links:write');
    const existing = await this.links.findById(actor.workspaceId, id);
    if (!existing) throw notFound('link');
    const changes = await this.validate(actor.workspaceId, input, 'update');
    const { password, ...fields } = changes;
    const next: NewLink = { ...existing, ...fields, updatedAt: this.now(), urlHash: sha256(fields.url ?? existing.url) };
    if (password !== undefined) next.passwordHash = password === null ? null : await this.hasher.hash(password);
    const outcome = await this.links.update(next);
    if (outcome === 'missing') throw notFound('link');
    if (outcome === 'slug-taken') throw slugTaken(next.slug);
    this.invalidation.invalidate(existing.domain, existing.slug);
    this.invalidation.invalidate(next.domain, next.slug);
    const { urlHash: _hash, ...link } = next;
    return link;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    requireScope(actor, 'links:write');
    const removed = await this.links.delete(actor.workspaceId, id);
    if (!removed) throw notFound('link');
    this.invalidation.invalidate(removed.domain, removed.slug);
  }

  async tags(actor: Actor, cursor: string | undefined, limit: number): Promise<{ tags: string[]; nextCursor: string | null }> {
    requireScope(actor, 'links:read');
    const after = decodeCursor(cursor);
    const rows = await this.links.listTags(actor.workspaceId, after ? String(after.value) : null, limit + 1);
    const tags = rows.slice(0, limit);
    const last = tags.at(-1);
    return { tags, nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ value: last, id: '' }) : null };
  }

  private async validate(workspaceId: string, input: LinkInput, mode: 'create' | 'update'): Promise<LinkChanges> {
    const { changes, errors, destinations } = checkLinkInput(input, mode);
    const own = await this.hosts.ownUrls(destinations.map((d) => d.url));
    for (const d of destinations) {
      if (own.has(d.url)) errors.push({ pointer: d.pointer, detail: `must not point at Curt's own domain ${d.url.host} (redirect loop)` });
    }
    if (changes.domain !== undefined) {
      const domain = await this.hosts.domainFor(workspaceId, changes.domain);
      if (domain === null) errors.push({ pointer: '/domain', detail: `${changes.domain} is not a domain of this workspace` });
      else changes.domain = domain;
    }
    if (errors.length > 0) throw invalid(errors);
    return changes;
  }

  private async draft(actor: Actor, c: LinkChanges): Promise<NewLink> {
    const now = this.now();
    const url = c.url!;
    return {
      id: newId('lnk'), workspaceId: actor.workspaceId, domain: c.domain ?? '', slug: c.slug ?? generateSlug(), url,
      urlHash: sha256(url), title: c.title ?? null, description: c.description ?? null, tags: c.tags ?? [],
      redirectType: c.redirectType ?? 302, forwardQuery: c.forwardQuery ?? true, expiresAt: c.expiresAt ?? null,
      expiredUrl: c.expiredUrl ?? null, maxClicks: c.maxClicks ?? null,
      passwordHash: c.password ? await this.hasher.hash(c.password) : null,
      rules: c.rules ?? [], variants: c.variants ?? [], utm: c.utm ?? {}, archived: c.archived ?? false,
      clicks: 0, createdBy: actor.userId, createdAt: now, updatedAt: now,
    };
  }
}

function slugTaken(slug: string): DomainError {
  return new DomainError('slug-taken', `the slug "${slug}" is already in use on this domain`, [{ pointer: '/slug', detail: 'is already taken' }]);
}

function asDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  throw error;
}

/** The same normalisation the validator applies, so ?url= finds what was stored. */
function normalizeUrl(raw: string): string {
  try { return new URL(raw.trim()).href; } catch { return raw; }
}

