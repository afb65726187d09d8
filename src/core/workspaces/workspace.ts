import type { Domain } from '../domains/domain.js';
import type { Role } from '../auth/scopes.js';

export interface Workspace {
  id: string;
  name: string;
  /** The user whose personal workspace this is; personal workspaces cannot be deleted. */
  personalFor: string | null;
  createdAt: Date;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  createdAt: Date;
}

export interface RemovedWorkspace {
  links: { domain: string; slug: string }[];
  domains: Domain[];
}

/** Told of a deleted workspace's links and domains, so no instance keeps redirecting them. */
export interface WorkspaceRemovalListener {
  linksRemoved(keys: readonly { domain: string; slug: string }[]): void;
  domainRemoved(domain: Domain): void;
}

/** Outcomes that keep at least one owner: decided under a lock on the workspace row. */
export type MembershipChange = 'ok' | 'missing' | 'last-owner';

export interface WorkspaceRepository {
  create(workspace: Workspace, ownerId: string): Promise<void>;
  get(id: string): Promise<Workspace | null>;
  rename(id: string, name: string): Promise<void>;
  /** Deletes the workspace and everything in it; answers the links and domains it had (the redirect caches them). */
  delete(id: string): Promise<RemovedWorkspace>;
  members(workspaceId: string, after: { createdAt: Date; userId: string } | null, limit: number): Promise<Member[]>;
  member(workspaceId: string, userId: string): Promise<Member | null>;
  /** false when already a member. */
  addMember(workspaceId: string, userId: string, role: Role): Promise<boolean>;
  setRole(workspaceId: string, userId: string, role: Role): Promise<MembershipChange>;
  removeMember(workspaceId: string, userId: string): Promise<MembershipChange>;
}
