import type { Domain, DomainListener } from '../domains/domain.js';

/**
 * The redirect's in-memory map from Host header to stored domain: a registered custom
 * domain maps to itself, anything else to the default domain ''. Kept current by the
 * domain service's events.
 */
export class HostTable implements DomainListener {
  private readonly notFound = new Map<string, string | null>();

  constructor(private readonly defaultHost: string, domains: Domain[] = []) {
    for (const d of domains) this.domainSaved(d);
  }

  /** False while no custom domain exists: the redirect then need not even read the Host header. */
  get hasCustomDomains(): boolean {
    return this.notFound.size > 0;
  }

  domainFor(host: string | undefined): string {
    if (host === undefined || host === this.defaultHost || this.notFound.size === 0) return '';
    const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    return this.notFound.has(name) ? name : '';
  }

  notFoundUrl(domain: string): string | null {
    return this.notFound.get(domain) ?? null;
  }

  /** Replaces every custom domain (reloaded from storage after another instance changed one). */
  replaceAll(domains: Domain[]): void {
    this.notFound.clear();
    for (const d of domains) this.domainSaved(d);
  }

  domainSaved(domain: Domain): void {
    this.notFound.set(domain.host, domain.notFoundUrl);
  }

  domainRemoved(domain: Domain): void {
    this.notFound.delete(domain.host);
  }
}
