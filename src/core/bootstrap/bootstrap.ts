import type { ApiKeyService } from '../api-keys/api-key-service.js';
import type { AccountService } from '../auth/account-service.js';
import { SCOPES } from '../auth/scopes.js';
import type { UserRepository } from '../auth/ports.js';
import { newSecret } from '../ids.js';

export interface BootstrapResult {
  adminEmail: string;
  /** Set only when generated here: printed once, never stored in clear. */
  password: string | null;
  apiKey: string | null;
  workspaceId: string;
}

/**
 * First start with no users (SPEC §1): an admin with a generated password and an
 * all-scopes API key, printed once. With CURT_INITIAL_API_KEY the given key is
 * registered instead and the admin gets no password: nothing secret is printed.
 * Returns null when users already exist (or another instance bootstrapped first).
 */
export async function bootstrap(accounts: AccountService, users: UserRepository, apiKeys: ApiKeyService,
  adminEmail: string, initialApiKey: string | null): Promise<BootstrapResult | null> {
  if ((await accounts.countUsers()) > 0) return null;
  const password = initialApiKey ? null : newSecret().slice(0, 24);
  let user;
  try {
    user = await accounts.createUser({ email: adminEmail, password, isAdmin: true });
  } catch {
    return null; // a concurrent instance created it
  }
  const workspaceId = (await users.personalWorkspaceId(user.id))!;
  const created = await apiKeys.createForWorkspace(workspaceId, { name: initialApiKey ? 'CURT_INITIAL_API_KEY' : 'Bootstrap admin key', scopes: [...SCOPES] }, initialApiKey ?? undefined);
  return { adminEmail, password, apiKey: initialApiKey ? null : created.key, workspaceId };
}
