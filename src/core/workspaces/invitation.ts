import type { Role } from '../auth/scopes.js';
import type { Workspace } from './workspace.js';

/** An open invitation of an e-mail address without an account; the token is never stored. */
export interface Invitation {
  id: string;
  workspaceId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export interface InvitationRepository {
  /** Creates the open invitation of (workspace, email), or renews it: new token, role and expiry. */
  upsert(invitation: Invitation, tokenHash: string): Promise<Invitation>;
  /** An unaccepted, unexpired invitation with this token. */
  findOpen(tokenHash: string, now: Date): Promise<Invitation | null>;
  /** Marks it accepted and adds the membership, in one transaction; false when used or expired meanwhile. */
  accept(id: string, userId: string, now: Date): Promise<boolean>;
}

/** What WorkspaceService needs when an admin adds someone by e-mail. */
export interface MemberInvitations {
  /** Whether addresses without an account can be invited (e-mail on and sign-up not closed). */
  readonly available: boolean;
  invite(workspace: Workspace, email: string, role: Role, invitedBy: string): Promise<Invitation>;
  /** Tells an existing user they were added. */
  memberAdded(workspace: Workspace, userId: string, role: Role, addedBy: string): Promise<void>;
}

/** What AccountService needs to let an invitee sign up. */
export interface SignupInvitations {
  findOpen(token: string): Promise<Invitation | null>;
  accept(invitation: Invitation, userId: string): Promise<boolean>;
}
