import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedEntry, SharedLink, SharedLinkCache } from '../../src/core/redirect/ports.js';
import { SharedSlugLookup } from '../../src/core/redirect/shared-slug-lookup.js';
import { toRedirectTarget } from '../../src/core/redirect/redirect-target.js';
import { FakeSlugLookup, makeLink } from './fakes.js';

/** The shared cache's contract in memory: entries by domain/slug, write-backs refused after a change. */
class FakeSharedCache implements SharedLinkCache {
  readonly entries = new Map<string, SharedLink | null>();
  readonly versions = new Map<string, number>();
  failing = false;
  stores: Array<{ key: string; link: SharedLink | null; accepted: boolean }> = [];

  async lookup(domain: string, slug: string): Promise<SharedEntry> {
    if (this.failing) throw new Error('Redis unreachable');
    const key = `${domain}/${slug}`;
    const link = this.entries.get(key);
    return link !== undefined ? { found: true, link } : { found: false, token: String(this.versions.get(key) ?? '') };
  }
  store(domain: string, slug: string, token: string, link: SharedLink | null): void {
    const key = `${domain}/${slug}`;
    const accepted = String(this.versions.get(key) ?? '') === token;
    if (accepted) this.entries.set(key, link);
    this.stores.push({ key, link, accepted });
  }
  changed(domain: string, slug: string): void {
    const key = `${domain}/${slug}`;
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.entries.delete(key);
  }
}

function setup() {
  const shared = new FakeSharedCache();
  const database = new FakeSlugLookup();
  database.links.set('/abc', makeLink({ id: 'lnk_abc', slug: 'abc', url: 'https://dest.test/a', title: 'not for the cache', tags: ['x'], clicks: 41 }));
  return { shared, database, lookup: new SharedSlugLookup(shared, database) };
}

describe('SharedSlugLookup', () => {
  it('reads the database on a shared miss and writes back only what a redirect needs', async () => {
    const { shared, database, lookup } = setup();
    const link = await lookup.findBySlug('', 'abc');
    assert.equal(link?.url, 'https://dest.test/a');
    assert.equal(database.calls, 1);
    const stored = shared.entries.get('/abc');
    assert.ok(stored);
    assert.equal('title' in stored, false, 'no title, tags or counters in the shared entry');
    assert.equal('tags' in stored, false);
    assert.equal('clicks' in stored, false);
    assert.deepEqual([lookup.hits, lookup.misses, lookup.errors], [0, 1, 0]);
  });

  it('answers from the shared cache without the database, as the same redirect target', async () => {
    const { database, lookup } = setup();
    const first = await lookup.findBySlug('', 'abc');
    const second = await lookup.findBySlug('', 'abc');
    assert.equal(database.calls, 1);
    assert.deepEqual([lookup.hits, lookup.misses], [1, 1]);
    const { clicks: _a, ...fromDb } = toRedirectTarget(first!);
    const { clicks: _b, ...fromShared } = toRedirectTarget(second!);
    assert.deepEqual(fromShared, fromDb);
  });

  it('remembers unknown slugs for every instance (negative entries)', async () => {
    const { shared, database, lookup } = setup();
    assert.equal(await lookup.findBySlug('', 'nope'), null);
    assert.equal(shared.entries.get('/nope'), null);
    const other = new SharedSlugLookup(shared, database);
    assert.equal(await other.findBySlug('', 'nope'), null);
    assert.equal(database.calls, 1, 'the second instance did not reach the database');
    assert.equal(other.hits, 1);
  });

  it('does not write back a load that raced with a change', async () => {
    const { shared, database, lookup } = setup();
    database.hold();
    const loading = lookup.findBySlug('', 'abc');
    await new Promise((resolve) => setImmediate(resolve));
    shared.changed('', 'abc'); // committed and cleared while the database read was in flight
    database.release();
    await loading;
    assert.equal(shared.stores.at(-1)?.accepted, false);
    assert.equal(shared.entries.has('/abc'), false);
  });

  it('never shares links with a click cap or a password', async () => {
    const { shared, database, lookup } = setup();
    database.links.set('/capped', makeLink({ slug: 'capped', maxClicks: 10 }));
    database.links.set('/secret', makeLink({ slug: 'secret', passwordHash: '$argon2id$…' }));
    assert.equal((await lookup.findBySlug('', 'capped'))?.maxClicks, 10);
    assert.ok((await lookup.findBySlug('', 'secret'))?.passwordHash);
    assert.equal(shared.stores.length, 0);
  });

  it('falls back to the database when the shared cache fails', async () => {
    const { shared, database, lookup } = setup();
    shared.failing = true;
    assert.equal((await lookup.findBySlug('', 'abc'))?.id, 'lnk_abc');
    assert.equal(database.calls, 1);
    assert.equal(lookup.errors, 1);
    assert.equal(shared.stores.length, 0, 'nothing written back to a failing cache');
  });
});
