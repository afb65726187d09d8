/** What the link rules need to know of domains; implemented over the domains table. */
export interface DomainDirectory {
  /** Custom domains (lower-case hosts) among `hosts` that any workspace has registered. */
  registered(hosts: string[]): Promise<Set<string>>;
  /** True when the workspace owns this custom domain. */
  ownedBy(workspaceId: string, host: string): Promise<boolean>;
}

/** Which hosts are Curt's own (no destinations there: redirect loops) and which a workspace may use. */
export class HostPolicy {
  constructor(readonly defaultHost: string, private readonly directory: DomainDirectory) {}

  /** The stored domain for a requested one ('' is the default), or null when the workspace may not use it. */
  async domainFor(workspaceId: string, requested: string | undefined): Promise<string | null> {
    if (requested === undefined || requested === '' || requested === this.defaultHost) return '';
    return (await this.directory.ownedBy(workspaceId, requested)) ? requested : null;
  }

  /** The subset of URLs that point at Curt itself. */
  async ownUrls(urls: URL[]): Promise<Set<URL>> {
    const own = new Set(urls.filter((u) => u.host === this.defaultHost));
    const rest = urls.filter((u) => !own.has(u));
    if (rest.length > 0) {
      const registered = await this.directory.registered([...new Set(rest.map((u) => u.hostname))]);
      for (const u of rest) if (registered.has(u.hostname)) own.add(u);
    }
    return own;
  }
}
