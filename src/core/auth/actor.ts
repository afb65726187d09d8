import { DomainError } from '../errors.js';
import type { Scope } from './scopes.js';

/** Who is calling and in which workspace: every core service takes one of these. */
export interface Actor {
  kind: 'session' | 'api-key';
  userId: string;
  /** The API key's id, when kind is api-key. */
  apiKeyId: string | null;
  workspaceId: string;
  scopes: ReadonlySet<Scope>;
  /** An API key's own requests-per-minute limit; null or absent = the default. */
  rateLimit?: number | null;
}

export function requireScope(actor: Actor, scope: Scope): void {
  if (!actor.scopes.has(scope)) {
    throw new DomainError('insufficient-scope', `this request needs the ${scope} scope`);
  }
}
