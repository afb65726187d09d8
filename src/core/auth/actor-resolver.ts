import type { Actor } from './actor.js';
import { DomainError } from '../errors.js';
import type { User, UserRepository } from './ports.js';
import { ROLE_SCOPES } from './scopes.js';

/** Turns a signed-in user (and an optional workspace choice) into an Actor. */
export class SessionActorResolver {
  constructor(private readonly users: UserRepository) {}

  async resolve(user: User, workspaceId: string | undefined): Promise<Actor> {
    const target = workspaceId ?? (await this.users.personalWorkspaceId(user.id));
    const role = target ? await this.users.role(user.id, target) : null;
    // Not a member looks the same as no such workspace: ids are not confirmed to outsiders.
    if (!target || !role) throw new DomainError('not-found', 'workspace not found');
    return { kind: 'session', userId: user.id, apiKeyId: null, workspaceId: target, scopes: ROLE_SCOPES[role] };
  }
}
