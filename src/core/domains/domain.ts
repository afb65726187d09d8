export interface Domain {
  id: string;
  workspaceId: string;
  /** Lower-case host name without port, e.g. "go.example.com". */
  host: string;
  /** Where unknown slugs on this domain redirect; null answers 404. */
  notFoundUrl: string | null;
  createdAt: Date;
}

export interface DomainRepository {
  list(workspaceId: string, after: { createdAt: Date; id: string } | null, limit: number): Promise<Domain[]>;
  /** Every domain of the instance: the redirect's host table at start-up. */
  all(): Promise<Domain[]>;
  /** false when another workspace (or this one) already has the host. */
  insert(domain: Domain): Promise<boolean>;
  setNotFoundUrl(workspaceId: string, id: string, url: string | null): Promise<Domain | null>;
  /** 'in-use' while links live on the domain. */
  delete(workspaceId: string, id: string): Promise<{ outcome: 'ok'; domain: Domain } | { outcome: 'missing' | 'in-use' }>;
}

/** Told of every committed change, so the redirect's host table follows. */
export interface DomainListener {
  domainSaved(domain: Domain): void;
  domainRemoved(domain: Domain): void;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A registrable host name: letters, digits and hyphens in dot-separated labels, with a TLD; no IPs, no ports. */
export function hostProblem(host: string): string | null {
  if (host.length > 253) return 'must be at most 253 characters';
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return 'must be a host name such as go.example.com (no scheme, port or path)';
  if (/^\d+$/.test(labels.at(-1)!)) return 'must be a host name, not an IP address';
  return null;
}
