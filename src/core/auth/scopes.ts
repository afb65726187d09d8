export const SCOPES = [
  'links:read',
  'links:write',
  'analytics:read',
  'domains:write',
  'webhooks:read',
  'webhooks:write',
  'workspace:admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const READ: Scope[] = ['links:read', 'analytics:read', 'webhooks:read'];

/** What each workspace role may do; API keys are always cut down to their creator's role. */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  viewer: new Set(READ),
  member: new Set([...READ, 'links:write']),
  admin: new Set(SCOPES),
  owner: new Set(SCOPES),
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
