import type { Role } from './scopes.js';

export interface User {
  id: string;
  email: string;
  isAdmin: boolean;
  createdAt: Date;
}

export interface UserWithSecret extends User {
  passwordHash: string | null;
}

export interface Membership {
  workspaceId: string;
  workspaceName: string;
  personal: boolean;
  role: Role;
  createdAt: Date;
}

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string | null;
  isAdmin: boolean;
  personalWorkspace: { id: string; name: string };
}

export interface UserRepository {
  /** Creates the user, their personal workspace and owner membership atomically; false if the e-mail is taken. */
  create(user: NewUser): Promise<boolean>;
  findByEmail(email: string): Promise<UserWithSecret | null>;
  findById(id: string): Promise<User | null>;
  count(): Promise<number>;
  setPassword(id: string, passwordHash: string): Promise<void>;
  memberships(userId: string): Promise<Membership[]>;
  role(userId: string, workspaceId: string): Promise<Role | null>;
  personalWorkspaceId(userId: string): Promise<string | null>;
}

export interface SessionRepository {
  create(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** The user of a live session, or null when unknown or expired. */
  findUser(tokenHash: string, now: Date): Promise<User | null>;
  delete(tokenHash: string): Promise<void>;
  /** Removes sessions that expired before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** A named fixed-window quota, e.g. "auth-ip" at 10 per 60 s. */
export interface RateLimiter {
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
  consume(key: string): Promise<LimitDecision>;
  /** The current state without spending anything. */
  peek(key: string): Promise<LimitDecision>;
  reset(key: string): Promise<void>;
}
