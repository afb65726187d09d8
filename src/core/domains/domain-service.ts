import { requireScope, type Actor } from '../auth/actor.js';
import { DomainError, invalid, notFound, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import { decodeTimeCursor, encodeTimeCursor } from '../pagination.js';
import { hostProblem, type Domain, type DomainListener, type DomainRepository } from './domain.js';
import type { HostPolicy } from './host-policy.js';

export interface DomainInput { host?: unknown; notFoundUrl?: unknown }

/** Custom short-link domains of a workspace (SPEC §4 /domains). */
export class DomainService {
  constructor(
    private readonly domains: DomainRepository,
    private readonly hosts: HostPolicy,
    private readonly listener: DomainListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(actor: Actor, cursor: string | undefined, limit: number): Promise<{ domains: Domain[]; nextCursor: string | null }> {
    requireScope(actor, 'links:read');
    const rows = await this.domains.list(actor.workspaceId, decodeTimeCursor(cursor), limit + 1);
    const domains = rows.slice(0, limit);
    const last = domains.at(-1);
    return { domains, nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null };
  }

  async create(actor: Actor, input: DomainInput): Promise<Domain> {
    requireScope(actor, 'domains:write');
    const errors: FieldError[] = [];
    const host = typeof input.host === 'string' ? input.host.trim().toLowerCase().replace(/\.$/, '') : '';
    const problem = typeof input.host === 'string' ? hostProblem(host) : 'is required';
    if (problem) errors.push({ pointer: '/host', detail: problem });
    else if (host === this.hosts.defaultHost.replace(/:\d+$/, '')) errors.push({ pointer: '/host', detail: 'is the instance\'s default domain' });
    const notFoundUrl = await this.notFoundUrl(input.notFoundUrl, errors);
    if (errors.length > 0) throw invalid(errors);
    const domain: Domain = { id: newId('dom'), workspaceId: actor.workspaceId, host, notFoundUrl: notFoundUrl ?? null, createdAt: this.now() };
    if (!(await this.domains.insert(domain))) {
      throw new DomainError('conflict', `${host} is already registered`, [{ pointer: '/host', detail: 'is already registered' }]);
    }
    this.listener.domainSaved(domain);
    return domain;
  }

  async update(actor: Actor, id: string, input: DomainInput): Promise<Domain> {
    requireScope(actor, 'domains:write');
    const errors: FieldError[] = [];
    if (input.host !== undefined) errors.push({ pointer: '/host', detail: 'cannot be changed; add a new domain instead' });
    const notFoundUrl = await this.notFoundUrl(input.notFoundUrl, errors);
    if (errors.length > 0) throw invalid(errors);
    if (notFoundUrl === undefined) throw invalid([{ pointer: '/notFoundUrl', detail: 'is the only field that can be changed' }]);
    const domain = await this.domains.setNotFoundUrl(actor.workspaceId, id, notFoundUrl);
    if (!domain) throw notFound('domain');
    this.listener.domainSaved(domain);
    return domain;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    requireScope(actor, 'domains:write');
    const result = await this.domains.delete(actor.workspaceId, id);
    if (result.outcome !== 'ok') {
      throw result.outcome === 'missing' ? notFound('domain') : new DomainError('conflict', 'the domain still has links; delete or move them first');
    }
    this.listener.domainRemoved(result.domain);
  }

  /** undefined: not given; null: clear; otherwise a checked http(s) URL off Curt's own hosts. */
  private async notFoundUrl(value: unknown, errors: FieldError[]): Promise<string | null | undefined> {
    if (value === undefined || value === null) return value;
    let url: URL | null = null;
    try { url = typeof value === 'string' && value.length <= 8192 ? new URL(value) : null; } catch { /* invalid */ }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      errors.push({ pointer: '/notFoundUrl', detail: 'must be an absolute http(s) URL, or null' });
      return undefined;
    }
    if ((await this.hosts.ownUrls([url])).size > 0) {
      errors.push({ pointer: '/notFoundUrl', detail: 'must not point at Curt\'s own domains (redirect loop)' });
      return undefined;
    }
    return url.href;
  }
}
