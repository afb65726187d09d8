import type { Actor } from '../auth/actor.js';
import { ROLE_SCOPES, SCOPES, isScope, type Scope } from '../auth/scopes.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { newId, newSecret, sha256 } from '../ids.js';
import type { ApiKey, ApiKeyRepository, KeyPage } from './ports.js';

export const API_KEY_PREFIX = 'curt_';
const TOUCH_EVERY_MS = 60_000;

export interface CreatedKey {
  apiKey: ApiKey;
  /** The secret, shown once; only its SHA-256 is stored. */
  key: string;
}

export interface KeyRequest {
  name?: string | undefined;
  scopes: string[];
  /** Requests per minute (1..100000); null or absent = the deployment's default. */
  rateLimit?: number | null | undefined;
}

export const MAX_KEY_RATE_LIMIT = 100_000;

export class ApiKeyService {
  constructor(private readonly keys: ApiKeyRepository, private readonly now: () => Date = () => new Date()) {}

  /** A key acting for `actor`: never more than the actor may do. */
  /** Sessions manage keys within their role; an API key needs workspace:admin to touch keys at all. */
  assertCanManage(actor: Actor): void {
    if (actor.kind === 'api-key' && !actor.scopes.has('workspace:admin')) {
      throw new DomainError('insufficient-scope', 'managing API keys with an API key needs the workspace:admin scope');
    }
  }

  async create(actor: Actor, request: KeyRequest): Promise<CreatedKey> {
    this.assertCanManage(actor);
    const scopes = this.parseScopes(request.scopes);
    const beyond = scopes.filter((s) => !actor.scopes.has(s));
    if (beyond.length > 0) {
      throw new DomainError('forbidden', `a key cannot have more rights than its creator; you lack ${beyond.join(', ')}`);
    }
    return this.insert(actor.workspaceId, actor.userId, scopes, request);
  }

  /** Operator path (CLI, bootstrap): the key acts for the workspace's owner. */
  async createForWorkspace(workspaceId: string, request: KeyRequest, secret?: string): Promise<CreatedKey> {
    const owner = await this.keys.workspaceOwner(workspaceId);
    if (!owner) throw notFound(`workspace ${workspaceId}`);
    return this.insert(workspaceId, owner, this.parseScopes(request.scopes), request, secret);
  }

  async list(actor: Actor, after: { createdAt: Date; id: string } | null, limit: number): Promise<KeyPage> {
    this.assertCanManage(actor);
    return this.keys.list(actor.workspaceId, this.ownOnly(actor), after, limit);
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    this.assertCanManage(actor);
    const done = await this.keys.revoke(actor.workspaceId, id, this.ownOnly(actor), this.now());
    if (!done) throw notFound('API key');
  }

  /** The actor a presented key stands for, or null when it is unknown, revoked or powerless. */
  async authenticate(presented: string): Promise<Actor | null> {
    if (!presented.startsWith(API_KEY_PREFIX) || presented.length > 200) return null;
    const key = await this.keys.findActiveByHash(sha256(presented));
    if (!key || key.creatorRole === null) return null;
    const allowed = ROLE_SCOPES[key.creatorRole];
    const scopes = new Set(key.scopes.filter((s) => allowed.has(s)));
    const now = this.now();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      // Bookkeeping only: a failed write must not fail the request.
      this.keys.touch(key.id, now).catch(() => {});
    }
    return { kind: 'api-key', userId: key.createdBy, apiKeyId: key.id, workspaceId: key.workspaceId, scopes, rateLimit: key.rateLimit };
  }

  private ownOnly(actor: Actor): string | null {
    return actor.scopes.has('workspace:admin') ? null : actor.userId;
  }

  private parseScopes(raw: string[]): Scope[] {
    const unknown = raw.filter((s) => !isScope(s));
    if (unknown.length > 0) {
      throw invalid([{ pointer: '/scopes', detail: `unknown scope ${unknown.join(', ')}; known: ${SCOPES.join(', ')}` }]);
    }
    if (raw.length === 0) throw invalid([{ pointer: '/scopes', detail: 'must name at least one scope' }]);
    return [...new Set(raw as Scope[])];
  }

  private async insert(workspaceId: string, createdBy: string, scopes: Scope[], request: KeyRequest, secret?: string): Promise<CreatedKey> {
    const cleanName = (request.name ?? '').trim() || 'API key';
    if (cleanName.length > 100) throw invalid([{ pointer: '/name', detail: 'must be at most 100 characters' }]);
    const rateLimit = request.rateLimit ?? null;
    if (rateLimit !== null && (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > MAX_KEY_RATE_LIMIT)) {
      throw invalid([{ pointer: '/rateLimit', detail: `must be a whole number of requests per minute from 1 to ${MAX_KEY_RATE_LIMIT}, or null for the default` }]);
    }
    const key = secret ?? API_KEY_PREFIX + newSecret();
    const apiKey: ApiKey = {
      id: newId('key'), workspaceId, createdBy, name: cleanName, scopes,
      hint: `${API_KEY_PREFIX}…${key.slice(-4)}`, createdAt: this.now(), lastUsedAt: null, rateLimit,
    };
    await this.keys.insert({ ...apiKey, keyHash: sha256(key) });
    return { apiKey, key };
  }
}
