import type { ApiKey, ApiKeyRepository, KeyPage, StoredKey } from '../../../core/api-keys/ports.js';
import type { Role, Scope } from '../../../core/auth/scopes.js';
import type { Db } from '../database.js';

type KeyRow = { id: string; workspace_id: string; created_by: string; name: string; hint: string; scopes: string[]; created_at: Date; last_used_at: Date | null; rate_limit: number | null };

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id, workspaceId: r.workspace_id, createdBy: r.created_by, name: r.name, hint: r.hint,
  scopes: r.scopes as Scope[], createdAt: r.created_at, lastUsedAt: r.last_used_at, rateLimit: r.rate_limit,
});

const COLUMNS = ['k.id', 'k.workspace_id', 'k.created_by', 'k.name', 'k.hint', 'k.scopes', 'k.created_at', 'k.last_used_at', 'k.rate_limit'] as const;

export class SqlApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(key: ApiKey & { keyHash: string }): Promise<void> {
    await this.db.insertInto('api_keys').values({
      id: key.id, workspace_id: key.workspaceId, created_by: key.createdBy, name: key.name, key_hash: key.keyHash,
      hint: key.hint, scopes: key.scopes, created_at: key.createdAt, rate_limit: key.rateLimit,
    }).execute();
  }

  async findActiveByHash(keyHash: string): Promise<StoredKey | null> {
    const row = await this.db.selectFrom('api_keys as k')
      .leftJoin('memberships as m', (join) => join.onRef('m.workspace_id', '=', 'k.workspace_id').onRef('m.user_id', '=', 'k.created_by'))
      .select([...COLUMNS, 'm.role']).where('k.key_hash', '=', keyHash).where('k.revoked_at', 'is', null).executeTakeFirst();
    return row ? { ...toKey(row), creatorRole: (row.role as Role | null) ?? null } : null;
  }

  async list(workspaceId: string, createdBy: string | null, after: { createdAt: Date; id: string } | null, limit: number): Promise<KeyPage> {
    let query = this.db.selectFrom('api_keys as k').select(COLUMNS).where('k.workspace_id', '=', workspaceId).where('k.revoked_at', 'is', null);
    if (createdBy) query = query.where('k.created_by', '=', createdBy);
    if (after) query = query.where((eb) => eb.or([eb('k.created_at', '<', after.createdAt), eb.and([eb('k.created_at', '=', after.createdAt), eb('k.id', '<', after.id)])]));
    const rows = await query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').limit(limit + 1).execute();
    const items = rows.slice(0, limit).map(toKey);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  async revoke(workspaceId: string, id: string, createdBy: string | null, at: Date): Promise<boolean> {
    let query = this.db.updateTable('api_keys').set({ revoked_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null);
    if (createdBy) query = query.where('created_by', '=', createdBy);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async workspaceOwner(workspaceId: string): Promise<string | null> {
    const row = await this.db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).where('role', '=', 'owner')
      .orderBy('created_at').orderBy('user_id').limit(1).executeTakeFirst();
    return row?.user_id ?? null;
  }
}
