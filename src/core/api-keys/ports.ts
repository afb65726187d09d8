import type { Role, Scope } from '../auth/scopes.js';

export interface ApiKey {
  id: string;
  workspaceId: string;
  createdBy: string;
  name: string;
  hint: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Requests per minute; null = the deployment's default (SPEC §4: 600). */
  rateLimit: number | null;
}

export interface StoredKey extends ApiKey {
  /** The creator's current role in the key's workspace; null once they left it. */
  creatorRole: Role | null;
}

export interface KeyPage {
  items: ApiKey[];
  /** Keyset position of the last item, for the next page. */
  next: { createdAt: Date; id: string } | null;
}

export interface ApiKeyRepository {
  insert(key: ApiKey & { keyHash: string }): Promise<void>;
  findActiveByHash(keyHash: string): Promise<StoredKey | null>;
  list(workspaceId: string, createdBy: string | null, after: { createdAt: Date; id: string } | null, limit: number): Promise<KeyPage>;
  /** Revokes an active key; false when there is none with that id (for this creator, if given). */
  revoke(workspaceId: string, id: string, createdBy: string | null, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  /** The first owner of a workspace: the creator of keys made by operators on the CLI. */
  workspaceOwner(workspaceId: string): Promise<string | null>;
}
