import type { UserRepository } from '../auth/ports.js';
import type { Role } from '../auth/scopes.js';
import { newId, newSecret, sha256 } from '../ids.js';
import type { NotificationService } from '../notifications/notification-service.js';
import { renderSignupInvitation } from '../notifications/templates.js';
import type { Invitation, InvitationRepository, MemberInvitations, SignupInvitations } from './invitation.js';
import type { Workspace } from './workspace.js';
import { DAY_MS } from '../time-units.js';

/**
 * Workspace invitations (SPEC §5). An existing account is added at once and told so by a
 * `workspace.invitation` notification. An address without an account gets an invitation:
 * a random token (SHA-256 at rest) e-mailed as `{CURT_BASE_URL}/signup?invite=<token>`, valid
 * 7 days, which lets that address sign up even under CURT_SIGNUP=invite and joins it to the
 * workspace with the role. Without e-mail, or with sign-up closed, there are no invitations.
 */
export class InvitationService implements MemberInvitations, SignupInvitations {
  private readonly now: () => Date;

  constructor(private readonly deps: {
    invitations: InvitationRepository;
    notifications: NotificationService;
    users: UserRepository;
    baseUrl: URL;
    signup: 'open' | 'closed' | 'invite';
    validityDays?: number;
    now?: () => Date;
  }) {
    this.now = deps.now ?? (() => new Date());
  }

  get available(): boolean {
    return this.deps.notifications.emailEnabled && this.deps.signup !== 'closed';
  }

  async invite(workspace: Workspace, email: string, role: Role, invitedBy: string): Promise<Invitation> {
    const token = newSecret();
    const now = this.now();
    const invitation = await this.deps.invitations.upsert({
      id: newId('inv'), workspaceId: workspace.id, email, role, invitedBy,
      expiresAt: new Date(now.getTime() + (this.deps.validityDays ?? 7) * DAY_MS), createdAt: now,
    }, sha256(token));
    const signupUrl = new URL(`/signup?invite=${encodeURIComponent(token)}`, this.deps.baseUrl).href;
    const rendered = renderSignupInvitation({ workspaceName: workspace.name, invitedBy: await this.nameOf(invitedBy), role, signupUrl, expiresAt: invitation.expiresAt });
    // Each token is its own message: inviting again sends the new link.
    await this.deps.notifications.mailTo(email, workspace.id, rendered, `invitation:${sha256(token).slice(0, 32)}`);
    return invitation;
  }

  async memberAdded(workspace: Workspace, userId: string, role: Role, addedBy: string): Promise<void> {
    await this.deps.notifications.notify([userId], {
      type: 'workspace.invitation', workspaceId: workspace.id, dedupeKey: `member:${workspace.id}:${userId}:${this.now().getTime()}`,
      data: { workspaceId: workspace.id, workspaceName: workspace.name, invitedBy: await this.nameOf(addedBy), role },
    });
  }

  findOpen(token: string): Promise<Invitation | null> {
    return this.deps.invitations.findOpen(sha256(token), this.now());
  }

  accept(invitation: Invitation, userId: string): Promise<boolean> {
    return this.deps.invitations.accept(invitation.id, userId, this.now());
  }

  private async nameOf(userId: string): Promise<string> {
    return (await this.deps.users.findById(userId))?.email ?? 'A workspace admin';
  }
}
