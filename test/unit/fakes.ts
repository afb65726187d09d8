// In-memory fakes of the core's ports, for unit tests (no database, no network).
import type { ApiKey, ApiKeyRepository, KeyPage, StoredKey } from '../../src/core/api-keys/ports.js';
import type { LimitDecision, Membership, NewUser, PasswordHasher, RateLimiter, SessionRepository, User, UserRepository, UserWithSecret } from '../../src/core/auth/ports.js';
import type { Role } from '../../src/core/auth/scopes.js';
import type { Link } from '../../src/core/links/link.js';
import type { CapturedClick } from '../../src/core/analytics/click.js';
import type { ClickRecorder } from '../../src/core/redirect/ports.js';
import type { RedirectCache, SlugLookup } from '../../src/core/redirect/redirect-resolver.js';
import type { RedirectTarget } from '../../src/core/redirect/redirect-target.js';

export function makeLink(overrides: Partial<Link> = {}): Link {
  const at = new Date('2030-01-01T00:00:00Z');
  return {
    id: 'lnk_1', workspaceId: 'ws_1', domain: '', slug: 'abc', url: 'https://dest.test/page', title: null, description: null,
    tags: [], redirectType: 302, forwardQuery: true, expiresAt: null, expiredUrl: null, maxClicks: null, passwordHash: null,
    rules: [], variants: [], utm: {}, archived: false, clicks: 0, createdBy: null, createdAt: at, updatedAt: at, ...overrides,
  };
}

/** Users, their personal workspaces and memberships. */
export class FakeUsers implements UserRepository {
  readonly byEmail = new Map<string, UserWithSecret>();
  readonly roles = new Map<string, Role>();
  readonly personal = new Map<string, string>();
  readonly created: NewUser[] = [];

  async create(user: NewUser): Promise<boolean> {
    if (this.byEmail.has(user.email)) return false;
    this.created.push(user);
    this.byEmail.set(user.email, { id: user.id, email: user.email, isAdmin: user.isAdmin, createdAt: new Date(), passwordHash: user.passwordHash });
    this.personal.set(user.id, user.personalWorkspace.id);
    this.roles.set(`${user.id}|${user.personalWorkspace.id}`, 'owner');
    return true;
  }
  async findByEmail(email: string): Promise<UserWithSecret | null> {
    const user = this.byEmail.get(email);
    return user ? { ...user } : null;
  }
  async findById(id: string): Promise<User | null> {
    for (const { passwordHash: _, ...user } of this.byEmail.values()) if (user.id === id) return user;
    return null;
  }
  async count(): Promise<number> {
    return this.byEmail.size;
  }
  async setPassword(id: string, passwordHash: string): Promise<void> {
    for (const user of this.byEmail.values()) if (user.id === id) user.passwordHash = passwordHash;
  }
  async memberships(userId: string): Promise<Membership[]> {
    return [...this.roles].filter(([k]) => k.startsWith(`${userId}|`)).map(([k, role]) => {
      const workspaceId = k.slice(userId.length + 1);
      return { workspaceId, workspaceName: workspaceId, personal: this.personal.get(userId) === workspaceId, role, createdAt: new Date(0) };
    });
  }
  async role(userId: string, workspaceId: string): Promise<Role | null> {
    return this.roles.get(`${userId}|${workspaceId}`) ?? null;
  }
  async personalWorkspaceId(userId: string): Promise<string | null> {
    return this.personal.get(userId) ?? null;
  }
}

export class FakeSessions implements SessionRepository {
  readonly rows = new Map<string, { userId: string; expiresAt: Date }>();
  constructor(private readonly users: FakeUsers) {}

  async create(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    this.rows.set(tokenHash, { userId, expiresAt });
  }
  async findUser(tokenHash: string, now: Date): Promise<User | null> {
    const row = this.rows.get(tokenHash);
    return row && row.expiresAt > now ? this.users.findById(row.userId) : null;
  }
  async delete(tokenHash: string): Promise<void> {
    this.rows.delete(tokenHash);
  }
  async deleteExpired(now: Date): Promise<number> {
    let n = 0;
    for (const [hash, row] of this.rows) if (row.expiresAt <= now) { this.rows.delete(hash); n++; }
    return n;
  }
}

/** Not a real hash: "fake$" + password, so tests can see what was hashed. */
export class FakeHasher implements PasswordHasher {
  hashes = 0;
  verifies = 0;
  async hash(password: string): Promise<string> {
    this.hashes++;
    return `fake$${password}`;
  }
  async verify(hash: string, password: string): Promise<boolean> {
    this.verifies++;
    return hash === `fake$${password}`;
  }
}

/** Fixed-window counter per key that never expires on its own. */
export class FakeRateLimiter implements RateLimiter {
  readonly used = new Map<string, number>();
  constructor(readonly name = 'fake', readonly limit = 3, readonly windowSeconds = 900) {}

  private decision(key: string, allowed = true): LimitDecision {
    const remaining = Math.max(0, this.limit - (this.used.get(key) ?? 0));
    return { allowed, limit: this.limit, remaining, resetSeconds: this.windowSeconds };
  }
  async consume(key: string): Promise<LimitDecision> {
    const used = (this.used.get(key) ?? 0) + 1;
    this.used.set(key, used);
    return this.decision(key, used <= this.limit);
  }
  async peek(key: string): Promise<LimitDecision> {
    return this.decision(key, (this.used.get(key) ?? 0) < this.limit);
  }
  async reset(key: string): Promise<void> {
    this.used.delete(key);
  }
}

type KeyRow = ApiKey & { keyHash: string; revokedAt: Date | null };

export class FakeApiKeys implements ApiKeyRepository {
  readonly rows: KeyRow[] = [];
  /** `${workspaceId}|${userId}` → role; absent means not a member. */
  readonly roles = new Map<string, Role>();
  readonly owners = new Map<string, string>();
  readonly touched: Array<{ id: string; at: Date }> = [];

  setRole(workspaceId: string, userId: string, role: Role | null): void {
    if (role) this.roles.set(`${workspaceId}|${userId}`, role);
    else this.roles.delete(`${workspaceId}|${userId}`);
  }
  async insert(key: ApiKey & { keyHash: string }): Promise<void> {
    this.rows.push({ ...key, scopes: [...key.scopes], revokedAt: null });
  }
  async findActiveByHash(keyHash: string): Promise<StoredKey | null> {
    const row = this.rows.find((r) => r.keyHash === keyHash && r.revokedAt === null);
    if (!row) return null;
    const { keyHash: _, revokedAt: __, ...key } = row;
    return { ...key, creatorRole: this.roles.get(`${key.workspaceId}|${key.createdBy}`) ?? null };
  }
  async list(workspaceId: string, createdBy: string | null, after: { createdAt: Date; id: string } | null, limit: number): Promise<KeyPage> {
    const all = this.rows
      .filter((r) => r.workspaceId === workspaceId && r.revokedAt === null && (createdBy === null || r.createdBy === createdBy))
      .filter((r) => !after || r.createdAt > after.createdAt || (+r.createdAt === +after.createdAt && r.id > after.id))
      .sort((a, b) => +a.createdAt - +b.createdAt || a.id.localeCompare(b.id));
    const items = all.slice(0, limit).map(({ keyHash: _, revokedAt: __, ...key }) => key);
    const last = items[items.length - 1];
    return { items, next: all.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }
  async revoke(workspaceId: string, id: string, createdBy: string | null, at: Date): Promise<boolean> {
    const row = this.rows.find((r) => r.id === id && r.workspaceId === workspaceId && r.revokedAt === null && (createdBy === null || r.createdBy === createdBy));
    if (!row) return false;
    row.revokedAt = at;
    return true;
  }
  async touch(id: string, at: Date): Promise<void> {
    this.touched.push({ id, at });
    const row = this.rows.find((r) => r.id === id);
    if (row) row.lastUsedAt = at;
  }
  async workspaceOwner(workspaceId: string): Promise<string | null> {
    return this.owners.get(workspaceId) ?? null;
  }
}

export class FakeRedirectCache implements RedirectCache {
  readonly entries = new Map<string, RedirectTarget | null>();
  sets = 0;
  get(key: string): RedirectTarget | null | undefined {
    return this.entries.get(key);
  }
  set(key: string, target: RedirectTarget | null): void {
    this.sets++;
    this.entries.set(key, target);
  }
}

/**
 * Links by "domain/slug". A lookup reads the link when called (like a query snapshot)
 * and, while held, answers only after release().
 */
export class FakeSlugLookup implements SlugLookup {
  readonly links = new Map<string, Link>();
  calls = 0;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => { this.open = resolve; });
  }
  release(): void {
    this.open?.();
    this.gate = null;
  }
  async findBySlug(domain: string, slug: string): Promise<Link | null> {
    this.calls++;
    const link = this.links.get(`${domain}/${slug}`);
    const snapshot = link ? { ...link } : null;
    if (this.gate) await this.gate;
    return snapshot;
  }
}

export class FakeClickRecorder implements ClickRecorder {
  readonly captured: CapturedClick[] = [];
  readonly unflushed = new Map<string, number>();
  get recorded(): string[] {
    return this.captured.map((c) => c.linkId);
  }
  capture(click: CapturedClick): void {
    this.captured.push(click);
    this.unflushed.set(click.linkId, (this.unflushed.get(click.linkId) ?? 0) + 1);
  }
  pending(linkId: string): number {
    return this.unflushed.get(linkId) ?? 0;
  }
}
