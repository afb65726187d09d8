import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import type { Link } from '../../src/core/links/link.js';
import type { LinkQuery, NewLink } from '../../src/core/links/ports.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser, type TestUser } from './fixtures.js';

const withoutHash = ({ urlHash: _hash, ...link }: NewLink): Link => link;
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

for (const engine of engines) {
  describe(`SqlLinkRepository on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let repo: SqlLinkRepository;
    let alice: TestUser;
    let bob: TestUser;
    /** A workspace of its own for tests that list or filter, so other tests' links never show up. */
    const freshWorkspace = async () => (await createUser(db)).workspaceId;
    const setClicks = (id: string, clicks: number) => db.updateTable('links').set({ clicks }).where('id', '=', id).execute();
    const list = (q: Partial<LinkQuery> & { workspaceId: string }) =>
      repo.list({ limit: 100, sort: 'createdAt', order: 'desc', after: null, ...q });

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      repo = new SqlLinkRepository(db);
      alice = await createUser(db);
      bob = await createUser(db);
    });
    after(async () => { await handle.close(); });

    it('insertMany skips a taken domain+slug, writes nothing for it and inserts the rest', async () => {
      const original = buildLink(alice.workspaceId, { slug: 'taken', url: 'https://original.example/' });
      assert.deepEqual(await repo.insertMany([original]), [true]);
      const first = buildLink(alice.workspaceId, { tags: ['kept-tag'] });
      const clash = buildLink(bob.workspaceId, { slug: 'taken', url: 'https://intruder.example/', tags: ['ghost-tag'] });
      const last = buildLink(alice.workspaceId);
      assert.deepEqual(await repo.insertMany([first, clash, last]), [true, false, true]);
      assert.equal((await repo.findBySlug('', 'taken'))?.id, original.id);
      assert.equal(await repo.findById(bob.workspaceId, clash.id), null);
      assert.ok(await repo.findById(alice.workspaceId, first.id));
      assert.ok(await repo.findById(alice.workspaceId, last.id));
      assert.deepEqual(await repo.listTags(bob.workspaceId, null, 100), [], 'the skipped link left no tag behind');
      assert.ok((await repo.listTags(alice.workspaceId, null, 100)).includes('kept-tag'));
      const twins = [buildLink(alice.workspaceId, { slug: 'twin' }), buildLink(alice.workspaceId, { slug: 'twin' })];
      assert.deepEqual(await repo.insertMany(twins), [true, false], 'a clash inside one batch');
      assert.deepEqual(await repo.insertMany([]), []);
    });

    it('treats slugs case-sensitively and scopes them by domain', async () => {
      const links = [
        buildLink(alice.workspaceId, { slug: 'Abc' }), buildLink(alice.workspaceId, { slug: 'abc' }),
        buildLink(alice.workspaceId, { slug: 'abc', domain: 'go.example.com' }), buildLink(bob.workspaceId, { slug: 'abc', domain: 'b.example.net' }),
      ];
      assert.deepEqual(await repo.insertMany(links), [true, true, true, true]);
      assert.equal((await repo.findBySlug('', 'Abc'))?.id, links[0]!.id);
      assert.equal((await repo.findBySlug('', 'abc'))?.id, links[1]!.id);
      assert.equal((await repo.findBySlug('go.example.com', 'abc'))?.id, links[2]!.id);
      assert.equal((await repo.findBySlug('b.example.net', 'abc'))?.id, links[3]!.id, 'findBySlug spans workspaces');
      assert.equal(await repo.findBySlug('', 'ABC'), null);
      assert.equal(await repo.findBySlug('go.example.com', 'Abc'), null);
      assert.equal(await repo.findBySlug('elsewhere.example', 'abc'), null);
    });

    it('findById only finds links of the given workspace', async () => {
      const mine = buildLink(alice.workspaceId);
      const theirs = buildLink(bob.workspaceId);
      await repo.insertMany([mine, theirs]);
      assert.equal((await repo.findById(alice.workspaceId, mine.id))?.slug, mine.slug);
      assert.equal(await repo.findById(alice.workspaceId, theirs.id), null);
      assert.equal(await repo.findById(alice.workspaceId, 'lnk_unknown'), null);
    });

    it('pages with keysets through every link exactly once, in order, across ties', async () => {
      const workspaceId = await freshWorkspace();
      const base = Date.UTC(2024, 0, 1, 12);
      // Groups of three share created_at; clicks repeat 0,1,2; ties straddle the page boundaries at 10 and 20.
      const links = Array.from({ length: 25 }, (_, i) => buildLink(workspaceId, { createdAt: new Date(base + Math.floor(i / 3) * 1000) }));
      assert.ok((await repo.insertMany(links)).every(Boolean));
      const clicks = new Map(links.map((l, i) => [l.id, i % 3]));
      for (const [id, n] of clicks) await setClicks(id, n);
      for (const sort of ['createdAt', 'clicks'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const key = (l: NewLink) => (sort === 'clicks' ? clicks.get(l.id)! : l.createdAt.getTime());
          const sign = order === 'asc' ? 1 : -1;
          const expected = [...links].sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(a.id, b.id))).map((l) => l.id);
          const seen: string[] = [];
          let after: LinkQuery['after'] = null;
          for (let pages = 0; pages < 10; pages++) {
            const page = await repo.list({ workspaceId, limit: 10, sort, order, after });
            seen.push(...page.map((l) => l.id));
            const last = page.at(-1);
            if (page.length < 10 || !last) break;
            after = { value: sort === 'clicks' ? last.clicks : last.createdAt.toISOString(), id: last.id };
          }
          assert.deepEqual(seen, expected, `${sort} ${order}`);
        }
      }
    });

    it('searches slug, url and title case-insensitively, with % _ and \\ taken literally', async () => {
      const workspaceId = await freshWorkspace();
      const l = (slug: string, url: string, title: string | null = null) => buildLink(workspaceId, { slug, url, title });
      const links = [
        l('SpringSale', 'https://shop.example/a'), l('s-url', 'https://EXAMPLE.org/SPRING'), l('s-title', 'https://z.example/', 'Big spRing event'),
        l('pct', 'https://p.example/', '100% off'), l('pct-no', 'https://p.example/', '100 percent off'),
        l('under_score', 'https://u.example/'), l('underXscore', 'https://u.example/'), l('bs', 'https://b.example/', 'back\\slash'),
      ];
      await repo.insertMany(links);
      await repo.insertMany([buildLink(bob.workspaceId, { slug: 'spring-of-bob' })]);
      const slugs = async (search: string) => (await list({ workspaceId, search })).map((x) => x.slug).sort();
      assert.deepEqual(await slugs('SPRING'), ['SpringSale', 's-title', 's-url']);
      assert.deepEqual(await slugs('%'), ['pct']);
      assert.deepEqual(await slugs('0% o'), ['pct']);
      assert.deepEqual(await slugs('_'), ['under_score']);
      assert.deepEqual(await slugs('r_s'), ['under_score']);
      assert.deepEqual(await slugs('\\'), ['bs']);
      assert.deepEqual(await slugs('nothing-like-this'), []);
    });

    it('filters by tag, domain and url hash', async () => {
      const workspaceId = await freshWorkspace();
      const links = [
        buildLink(workspaceId, { tags: ['red', 'blue'], urlHash: 'h1' }), buildLink(workspaceId, { tags: ['blue'], urlHash: 'h2', domain: 'go.example' }),
        buildLink(workspaceId, { tags: [], urlHash: 'h1', domain: 'go.example' }),
      ];
      await repo.insertMany(links);
      const ids = async (q: Partial<LinkQuery>) => (await list({ workspaceId, ...q })).map((x) => x.id).sort();
      const idsOf = (...i: number[]) => i.map((n) => links[n]!.id).sort();
      assert.deepEqual(await ids({ tag: 'blue' }), idsOf(0, 1));
      assert.deepEqual(await ids({ tag: 'red' }), idsOf(0));
      assert.deepEqual(await ids({ tag: 'green' }), []);
      assert.deepEqual(await ids({ domain: '' }), idsOf(0));
      assert.deepEqual(await ids({ domain: 'go.example' }), idsOf(1, 2));
      assert.deepEqual(await ids({ urlHash: 'h1' }), idsOf(0, 2));
      assert.deepEqual(await ids({ urlHash: 'h1', domain: 'go.example', tag: 'blue' }), []);
      assert.deepEqual(await ids({ tag: 'blue', domain: 'go.example' }), idsOf(1));
    });

    it('update writes the fields, refuses a taken slug and misses unknown ids and other workspaces', async () => {
      const a = buildLink(alice.workspaceId, { slug: 'upd-a' });
      const b = buildLink(alice.workspaceId, { slug: 'upd-b' });
      const foreign = buildLink(bob.workspaceId, { slug: 'upd-foreign' });
      await repo.insertMany([a, b, foreign]);
      assert.equal(await repo.update({ ...b, slug: 'upd-a' }), 'slug-taken');
      assert.equal((await repo.findById(alice.workspaceId, b.id))?.slug, 'upd-b', 'nothing written');
      assert.equal(await repo.update({ ...b, id: 'lnk_unknown' }), 'missing');
      assert.equal(await repo.update({ ...foreign, workspaceId: alice.workspaceId, url: 'https://hijack.example/' }), 'missing');
      assert.equal((await repo.findById(bob.workspaceId, foreign.id))?.url, foreign.url);
      const updatedAt = new Date(b.updatedAt.getTime() + 60_000);
      const changed = { ...b, slug: 'upd-a', domain: 'other.example', url: 'https://new.example/', tags: ['fresh-tag'], title: 'New', updatedAt };
      assert.equal(await repo.update(changed), 'ok');
      assert.deepEqual(await repo.findById(alice.workspaceId, b.id), withoutHash(changed));
      assert.ok((await repo.listTags(alice.workspaceId, null, 1000)).includes('fresh-tag'));
    });

    it('delete returns the deleted link and is scoped by workspace', async () => {
      const link = buildLink(alice.workspaceId, { tags: ['x'] });
      await repo.insertMany([link]);
      assert.equal(await repo.delete(bob.workspaceId, link.id), null);
      assert.ok(await repo.findById(alice.workspaceId, link.id), 'still there');
      assert.deepEqual(await repo.delete(alice.workspaceId, link.id), withoutHash(link));
      assert.equal(await repo.findById(alice.workspaceId, link.id), null);
      assert.equal(await repo.delete(alice.workspaceId, link.id), null);
    });

    it('listTags returns each tag once, sorted, paged with after', async () => {
      const workspaceId = await freshWorkspace();
      await repo.insertMany([
        buildLink(workspaceId, { tags: ['beta', 'alpha'] }), buildLink(workspaceId, { tags: ['alpha', 'gamma', 'gamma'] }),
        buildLink(workspaceId, { tags: ['zeta', 'delta'] }),
      ]);
      await repo.insertMany([buildLink(workspaceId, { tags: ['alpha', 'epsilon'] })]);
      assert.deepEqual(await repo.listTags(workspaceId, null, 100), ['alpha', 'beta', 'delta', 'epsilon', 'gamma', 'zeta']);
      assert.deepEqual(await repo.listTags(workspaceId, null, 2), ['alpha', 'beta']);
      assert.deepEqual(await repo.listTags(workspaceId, 'beta', 2), ['delta', 'epsilon']);
      assert.deepEqual(await repo.listTags(workspaceId, 'epsilon', 2), ['gamma', 'zeta']);
      assert.deepEqual(await repo.listTags(workspaceId, 'zeta', 2), []);
    });

    it('orders tags bytewise on every engine, whatever the server collation', async () => {
      const workspaceId = await freshWorkspace();
      await repo.insertMany([buildLink(workspaceId, { tags: ['beta', 'Zulu', 'alpha', '_under', 'Émile'] })]);
      const bytewise = ['Zulu', '_under', 'alpha', 'beta', 'Émile'];
      assert.deepEqual(await repo.listTags(workspaceId, null, 100), bytewise);
      assert.deepEqual(await repo.listTags(workspaceId, 'Zulu', 2), ['_under', 'alpha']);
    });

    it('round-trips jsonb, text[], numbers and timestamps identically', async () => {
      const tags = ['NULL', 'null', '', 'a,b', '{braces}', 'quo"te', 'back\\slash', ' padded ', 'ünïcødé 🎉', "it's"];
      const link = buildLink(alice.workspaceId, {
        tags, title: 'Tïtle "quoted"', description: 'line one\nline two', redirectType: 308, forwardQuery: false, archived: true,
        rules: [{ when: { device: ['mobile'], country: ['DE', 'AT'], query: { ref: 'a b', empty: '' } }, url: 'https://m.example/' }],
        variants: [{ url: 'https://a.example/', weight: 0.25 }, { url: 'https://b.example/', weight: 3 }],
        utm: { source: 'news', campaign: 'spring "24" ✓', content: '' }, expiresAt: new Date('2030-05-06T07:08:09.123Z'),
        expiredUrl: 'https://gone.example/', maxClicks: 5_000_000_000, passwordHash: '$argon2id$v=19$x', createdBy: alice.userId,
        createdAt: new Date('2024-02-29T23:59:59.999Z'), updatedAt: new Date('2024-03-01T00:00:00.001Z'),
      });
      await repo.insertMany([link]);
      const found = await repo.findById(alice.workspaceId, link.id);
      assert.deepEqual(found, withoutHash(link));
      await setClicks(link.id, 2 ** 40);
      const listed = (await list({ workspaceId: alice.workspaceId, tag: 'NULL' }))[0]!;
      for (const l of [listed, (await repo.findBySlug('', link.slug))!]) {
        assert.deepEqual(l.tags, tags);
        assert.equal(typeof l.clicks, 'number');
        assert.equal(l.clicks, 2 ** 40);
        assert.equal(typeof l.maxClicks, 'number');
        assert.equal(l.maxClicks, 5_000_000_000);
        assert.equal(typeof l.redirectType, 'number');
        for (const d of [l.createdAt, l.updatedAt, l.expiresAt]) assert.ok(d instanceof Date);
      }
      const plain = buildLink(alice.workspaceId);
      await repo.insertMany([plain]);
      const p = (await repo.findById(alice.workspaceId, plain.id))!;
      assert.deepEqual([p.tags, p.rules, p.variants, p.utm, p.clicks, p.maxClicks, p.expiresAt], [[], [], [], {}, 0, null, null]);
    });
  });
}
