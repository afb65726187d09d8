import type { Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { newId } from '../../src/core/ids.js';
import type { NewLink } from '../../src/core/links/ports.js';

/** Shared builders for the repository tests in test/db/. */

let seq = 0;

export interface TestUser { userId: string; workspaceId: string; email: string }

/** A user with a personal workspace (owner membership), through SqlUserRepository. */
export async function createUser(db: Db, email?: string): Promise<TestUser> {
  const n = ++seq;
  const userId = newId('usr');
  const workspaceId = newId('ws');
  const address = email ?? `user${n}-${userId}@example.com`;
  const ok = await new SqlUserRepository(db).create({
    id: userId, email: address, passwordHash: null, isAdmin: false, personalWorkspace: { id: workspaceId, name: `Workspace ${n}` },
  });
  if (!ok) throw new Error(`could not create user ${address}`);
  return { userId, workspaceId, email: address };
}

/** A complete NewLink with neutral defaults; every field may be overridden. */
export function buildLink(workspaceId: string, fields: Partial<NewLink> = {}): NewLink {
  const now = new Date();
  return {
    id: newId('lnk'), workspaceId, domain: '', slug: `slug${++seq}`, url: 'https://example.com/page', urlHash: 'hash-default',
    title: null, description: null, tags: [], redirectType: 302, forwardQuery: true, expiresAt: null, expiredUrl: null,
    maxClicks: null, passwordHash: null, rules: [], variants: [], utm: {}, archived: false, clicks: 0, createdBy: null,
    createdAt: now, updatedAt: now, ...fields,
  };
}

/** A new user's workspace with `count` stored links (neutral defaults): where click and analytics tests start. */
export async function workspaceWithLinks(db: Db, count: number): Promise<{ workspaceId: string; links: string[] }> {
  const workspaceId = (await createUser(db)).workspaceId;
  const made = Array.from({ length: count }, () => buildLink(workspaceId));
  await new SqlLinkRepository(db).insertMany(made);
  return { workspaceId, links: made.map((l) => l.id) };
}

/** A unique suffix so tests sharing one database never collide on slugs, hosts or keys. */
export const unique = (prefix = 'u') => `${prefix}${++seq}x${Math.random().toString(36).slice(2, 8)}`;
