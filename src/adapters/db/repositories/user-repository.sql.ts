import { sql } from 'kysely';
import type { Membership, NewUser, User, UserRepository, UserWithSecret } from '../../../core/auth/ports.js';
import type { Role } from '../../../core/auth/scopes.js';
import type { Db } from '../database.js';
import { isUniqueViolation } from '../errors.js';

export class SqlUserRepository implements UserRepository {
  constructor(private readonly db: Db) {}

  async create(user: NewUser): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('users').values({ id: user.id, email: user.email, password_hash: user.passwordHash, is_admin: user.isAdmin }).execute();
        await tx.insertInto('workspaces').values({ id: user.personalWorkspace.id, name: user.personalWorkspace.name, personal_for: user.id }).execute();
        await tx.insertInto('memberships').values({ workspace_id: user.personalWorkspace.id, user_id: user.id, role: 'owner' }).execute();
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) return false;
      throw error;
    }
  }

  async findByEmail(email: string): Promise<UserWithSecret | null> {
    const row = await this.db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async findById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async count(): Promise<number> {
    // Used once at start-up to decide on bootstrap; users is a small table.
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async memberships(userId: string): Promise<Membership[]> {
    const rows = await this.db.selectFrom('memberships as m').innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
      .select(['w.id', 'w.name', 'w.personal_for', 'w.created_at', 'm.role']).where('m.user_id', '=', userId).orderBy('w.created_at').execute();
    return rows.map((r) => ({ workspaceId: r.id, workspaceName: r.name, personal: r.personal_for === userId, role: r.role as Role, createdAt: r.created_at }));
  }

  async role(userId: string, workspaceId: string): Promise<Role | null> {
    const row = await this.db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    return (row?.role as Role | undefined) ?? null;
  }

  async personalWorkspaceId(userId: string): Promise<string | null> {
    const row = await this.db.selectFrom('workspaces').select('id').where('personal_for', '=', userId).executeTakeFirst();
    return row?.id ?? null;
  }
}

function toUser(row: { id: string; email: string; is_admin: boolean; created_at: Date }): User {
  return { id: row.id, email: row.email, isAdmin: row.is_admin, createdAt: row.created_at };
}
