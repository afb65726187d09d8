import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/composition/config.js';
import { createCurt, type Curt, type CurtOptions } from '../../src/composition/root.js';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import type { Scope } from '../../src/core/auth/scopes.js';
import type { Engine } from './engines.js';

export interface TestCurt {
  curt: Curt;
  config: Config;
  handle: DatabaseHandle;
  close(): Promise<void>;
}

/** A full Curt over a fresh database of the engine, driven through app.inject(). */
export async function startCurt(engine: Engine, env: Record<string, string> = {}, options: Omit<CurtOptions, 'database'> = {}): Promise<TestCurt> {
  const handle = await engine.open();
  const config = loadConfig({ LOG_LEVEL: 'silent', CURT_SIGNUP: 'open', ...env });
  const curt = await createCurt(config, { clickFlushMs: 50, ...options, database: handle });
  await curt.app.ready();
  return {
    curt, config, handle,
    async close() {
      await curt.close();
      await handle.close();
    },
  };
}

export interface Tenant {
  userId: string;
  email: string;
  password: string;
  workspaceId: string;
  /** An API key with every scope. */
  key: string;
  keyWith(scopes: Scope[]): Promise<string>;
}

let counter = 0;

/** A user with a personal workspace and an all-scopes key, made through the services. */
export async function createTenant(t: TestCurt, name = `user${++counter}`): Promise<Tenant> {
  const email = `${name}-${Date.now()}-${counter}@example.com`;
  const password = 'correct horse battery staple';
  const user = await t.curt.accounts.createUser({ email, password });
  const workspaceId = (await t.curt.users.personalWorkspaceId(user.id))!;
  const keyWith = async (scopes: Scope[]) => (await t.curt.apiKeys.createForWorkspace(workspaceId, { scopes })).key;
  const key = await keyWith(['links:read', 'links:write', 'analytics:read', 'domains:write', 'webhooks:read', 'webhooks:write', 'workspace:admin']);
  return { userId: user.id, email, password, workspaceId, key, keyWith };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Starts `curt` listening on a free loopback port (for real HTTP: redirects, streams, headers); answers its origin. */
export async function listenOn(curt: Curt): Promise<string> {
  await curt.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(curt.app.server.address() as AddressInfo).port}`;
}
