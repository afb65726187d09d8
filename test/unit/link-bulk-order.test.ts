import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actor } from '../../src/core/auth/actor.js';
import { HostPolicy, type DomainDirectory } from '../../src/core/domains/host-policy.js';
import { LinkService } from '../../src/core/links/link-service.js';
import type { LinkRepository, NewLink } from '../../src/core/links/ports.js';

/** Inserts in the order given, like a multi-row INSERT … ON CONFLICT DO NOTHING: the first of two equal slugs wins. */
function slugTable(): LinkRepository {
  const taken = new Set<string>();
  return {
    async insertMany(links: NewLink[]) {
      return links.map((l) => (taken.has(l.slug) ? false : (taken.add(l.slug), true)));
    },
  } as unknown as LinkRepository;
}

describe('LinkService.createMany', () => {
  it('inserts in input order whatever order validations finish in, so the earlier of two equal slugs wins', async () => {
    // The first item's destination check answers last (as a busy pooled connection would).
    let calls = 0;
    const directory: DomainDirectory = {
      registered: async () => {
        const delay = calls++ === 0 ? 30 : 0;
        await new Promise((resolve) => setTimeout(resolve, delay));
        return new Set();
      },
      ownedBy: async () => false,
    };
    const service = new LinkService(slugTable(), new HostPolicy('curt.test', directory),
      { hash: async () => 'h', verify: async () => true }, { invalidate: () => {} });
    const actor: Actor = { kind: 'api-key', userId: 'usr_1', apiKeyId: 'key_1', workspaceId: 'ws_1', scopes: new Set(['links:write']) };
    const results = await service.createMany(actor, [
      { url: 'https://example.com/first', slug: 'same' },
      { url: 'https://example.com/second', slug: 'same' },
    ]);
    assert.equal('link' in results[0]! && results[0].link.url, 'https://example.com/first');
    assert.equal('error' in results[1]! && results[1].error.code, 'slug-taken');
  });
});
