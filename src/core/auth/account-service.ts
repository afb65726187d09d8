import { DomainError, invalid, type FieldError } from '../errors.js';
import { newId, newSecret, sha256 } from '../ids.js';
import { checkPassword, normalizeEmail } from './credentials.js';
import type { Membership, PasswordHasher, RateLimiter, SessionRepository, User, UserRepository } from './ports.js';
import type { SignupInvitations } from '../workspaces/invitation.js';

export interface AccountServiceDeps {
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  /** Failed logins per account; a success clears it. */
  loginFailures: RateLimiter;
  signup: 'open' | 'closed' | 'invite';
  sessionDays?: number;
  now?: () => Date;
  /** Lets an invited address sign up (and join) under CURT_SIGNUP=invite; absent: no invitations. */
  invitations?: SignupInvitations;
}

export interface NewSession {
  user: User;
  token: string;
  expiresAt: Date;
}

export interface CreateUserInput {
  email: string;
  password: string | null;
  isAdmin?: boolean;
}

/** Users, passwords and sessions. */
export class AccountService {
  private readonly sessionMs: number;
  private readonly now: () => Date;
  /** A real hash to verify against for unknown e-mails, so timing does not reveal accounts. */
  private decoyHash: Promise<string> | null = null;

  constructor(private readonly deps: AccountServiceDeps) {
    this.sessionMs = (deps.sessionDays ?? 30) * 86_400_000;
    this.now = deps.now ?? (() => new Date());
  }

  async createUser(input: CreateUserInput): Promise<User> {
    const errors: FieldError[] = [];
    const email = normalizeEmail(input.email);
    if (typeof email !== 'string') errors.push(email);
    if (input.password !== null) {
      const problem = checkPassword(input.password);
      if (problem) errors.push(problem);
    }
    if (errors.length > 0 || typeof email !== 'string') throw invalid(errors);
    const passwordHash = input.password === null ? null : await this.deps.hasher.hash(input.password);
    const id = newId('usr');
    const created = await this.deps.users.create({
      id, email, passwordHash, isAdmin: input.isAdmin ?? false,
      personalWorkspace: { id: newId('ws'), name: 'Personal' },
    });
    if (!created) throw new DomainError('email-taken', 'an account with this e-mail already exists', [{ pointer: '/email', detail: 'is already registered' }]);
    return { id, email, isAdmin: input.isAdmin ?? false, createdAt: this.now() };
  }

  /**
   * Open sign-up, or (CURT_SIGNUP=invite, or open) with an invitation's token for the same
   * address, which also joins the inviting workspace. Closed sign-up refuses both.
   */
  async signup(email: string, password: string, inviteToken?: string): Promise<NewSession> {
    const invitable = inviteToken !== undefined && this.deps.invitations !== undefined && this.deps.signup !== 'closed';
    if (this.deps.signup !== 'open' && !invitable) {
      const detail = this.deps.signup === 'invite' ? 'sign-up needs an invitation from a workspace admin' : 'sign-up is closed; an administrator creates accounts';
      throw new DomainError('signup-closed', detail);
    }
    const invitation = invitable ? await this.deps.invitations!.findOpen(inviteToken!) : null;
    if (invitable && (!invitation || invitation.email !== normalizeEmail(email))) {
      throw invalid([{ pointer: '/inviteToken', detail: invitation ? 'was sent to another e-mail address' : 'is unknown, used or expired' }]);
    }
    const user = await this.createUser({ email, password });
    // Accepting can only lose a race with another sign-up of the same invitation; the account stays.
    if (invitation) await this.deps.invitations!.accept(invitation, user.id);
    return this.openSession(user);
  }

  async login(rawEmail: string, password: string): Promise<NewSession> {
    const email = normalizeEmail(rawEmail);
    const key = typeof email === 'string' ? email : rawEmail;
    const state = await this.deps.loginFailures.peek(key);
    if (state.remaining <= 0) {
      throw new DomainError('quota-exceeded', 'too many failed sign-in attempts for this account; try again later', [], state.resetSeconds);
    }
    const user = typeof email === 'string' ? await this.deps.users.findByEmail(email) : null;
    const ok = user?.passwordHash
      ? await this.deps.hasher.verify(user.passwordHash, password)
      : await this.deps.hasher.verify(await this.decoy(), password).then(() => false);
    if (!user || !ok) {
      await this.deps.loginFailures.consume(key);
      throw new DomainError('invalid-credentials', 'e-mail or password is wrong');
    }
    await this.deps.loginFailures.reset(key);
    const { passwordHash: _secret, ...publicUser } = user;
    return this.openSession(publicUser);
  }

  async setPassword(email: string, password: string): Promise<void> {
    const problem = checkPassword(password);
    if (problem) throw invalid([problem]);
    const normalized = normalizeEmail(email);
    const user = typeof normalized === 'string' ? await this.deps.users.findByEmail(normalized) : null;
    if (!user) throw new DomainError('not-found', `no user with e-mail ${email}`);
    await this.deps.users.setPassword(user.id, await this.deps.hasher.hash(password));
  }

  /** Always a new token: logging in rotates the session id (session fixation). */
  private async openSession(user: User): Promise<NewSession> {
    const token = newSecret();
    const expiresAt = new Date(this.now().getTime() + this.sessionMs);
    await this.deps.sessions.create(sha256(token), user.id, expiresAt);
    return { user, token, expiresAt };
  }

  async logout(token: string): Promise<void> {
    await this.deps.sessions.delete(sha256(token));
  }

  async userForSession(token: string): Promise<User | null> {
    return this.deps.sessions.findUser(sha256(token), this.now());
  }

  async memberships(userId: string): Promise<Membership[]> {
    return this.deps.users.memberships(userId);
  }

  async findUser(id: string): Promise<User> {
    const user = await this.deps.users.findById(id);
    if (!user) throw new DomainError('unauthorized', 'this account no longer exists');
    return user;
  }

  async countUsers(): Promise<number> {
    return this.deps.users.count();
  }

  async findUserByEmail(email: string): Promise<User | null> {
    const normalized = normalizeEmail(email);
    if (typeof normalized !== 'string') return null;
    const user = await this.deps.users.findByEmail(normalized);
    if (!user) return null;
    const { passwordHash: _secret, ...publicUser } = user;
    return publicUser;
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= this.deps.hasher.hash(newSecret());
    return this.decoyHash;
  }
}
