import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalyticsReader, AnalyticsScope } from '../../src/core/analytics/analytics-query.js';
import { AnalyticsService } from '../../src/core/analytics/analytics-service.js';
import type { Actor } from '../../src/core/auth/actor.js';
import type { Scope } from '../../src/core/auth/scopes.js';
import { HostPolicy } from '../../src/core/domains/host-policy.js';
import { DomainError } from '../../src/core/errors.js';
import { makeLink } from './fakes.js';

const actor = (scopes: Scope[] = ['analytics:read']): Actor => ({ kind: 'api-key', userId: 'usr_1', apiKeyId: 'key_1', workspaceId: 'ws_1', scopes: new Set(scopes) });

/** Records the scope each read gets; answers zeros. */
function setup() {
  const scopes: AnalyticsScope[] = [];
  const reader: AnalyticsReader = {
    async series(scope, bounds) { scopes.push(scope); return { buckets: bounds.slice(1).map(() => ({ clicks: 0, visitors: 0 })), total: { clicks: 0, visitors: 0 } }; },
    async breakdown(scope) { scopes.push(scope); return { rows: [], total: { clicks: 0, visitors: 0 } }; },
  };
  const links = { findById: async (workspaceId: string, id: string) => (workspaceId === 'ws_1' && id === 'lnk_1' ? makeLink() : null) };
  const hosts = new HostPolicy('short.example:8080', { registered: async () => new Set(), ownedBy: async (ws, host) => ws === 'ws_1' && host === 'go.example.com' });
  return { scopes, service: new AnalyticsService(reader, links, hosts) };
}

describe('AnalyticsService', () => {
  it('needs analytics:read', async () => {
    const { service } = setup();
    await assert.rejects(service.query(actor(['links:read']), { groupBy: 'time' }), (e: DomainError) => e.code === 'insufficient-scope');
  });

  it('reads the actor\'s workspace, at workspace level unless a filter names links', async () => {
    const { service, scopes } = setup();
    await service.query(actor(), { groupBy: 'country', bots: 'only' });
    assert.deepEqual(scopes.pop(), { workspaceId: 'ws_1', bots: 'only' });
    await service.query(actor(), { groupBy: 'time', link: 'lnk_1', tag: 'q1' });
    assert.deepEqual(scopes.pop(), { workspaceId: 'ws_1', bots: 'exclude', links: { id: 'lnk_1', domain: undefined, tag: 'q1' } });
  });

  it('maps the default host to the default domain; a domain of no link of the workspace matches nothing', async () => {
    const { service, scopes } = setup();
    for (const [given, stored] of [['SHORT.example:8080', ''], ['', ''], ['Go.Example.com', 'go.example.com'], ['elsewhere.example', 'elsewhere.example']]) {
      await service.query(actor(), { groupBy: 'time', domain: given });
      assert.equal(scopes.pop()?.links?.domain, stored, given);
    }
  });

  it('reports a link of another workspace as not found', async () => {
    const { service, scopes } = setup();
    await assert.rejects(service.query(actor(), { groupBy: 'time', link: 'lnk_other' }), (e: DomainError) => e.code === 'not-found');
    assert.equal(scopes.length, 0, 'nothing was read');
  });
});
