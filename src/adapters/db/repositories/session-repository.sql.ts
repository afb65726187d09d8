import type { SessionRepository, User } from '../../../core/auth/ports.js';
import type { Db } from '../database.js';

export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly db: Db) {}

  async create(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.db.insertInto('sessions').values({ token_hash: tokenHash, user_id: userId, expires_at: expiresAt }).execute();
  }

  async findUser(tokenHash: string, now: Date): Promise<User | null> {
    const row = await this.db.selectFrom('sessions as s').innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.email', 'u.is_admin', 'u.created_at'])
      .where('s.token_hash', '=', tokenHash).where('s.expires_at', '>', now).executeTakeFirst();
    return row ? { id: row.id, email: row.email, isAdmin: row.is_admin, createdAt: row.created_at } : null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
