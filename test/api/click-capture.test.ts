import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LinkRollups } from '../../src/adapters/db/link-rollups.sql.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

for (const engine of engines) {
  describe(`click capture from served redirects (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let base: string;
    before(async () => {
      // Trust one proxy hop: the client is the last X-Forwarded-For entry.
      t = await startCurt(engine, { CURT_TRUST_PROXY: '1' });
      a = await createTenant(t);
      base = await listenOn(t.curt);
    });
    after(() => t.close());

    const create = async (body: Record<string, unknown>) => {
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; slug: string };
    };
    const visit = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${base}/${path}`, { redirect: 'manual', method, headers });
    const rawClicks = (linkId: string) => t.handle.db.selectFrom('clicks').selectAll().where('link_id', '=', linkId).orderBy('id').execute();

    it('stores exactly one enriched click per served GET redirect, none for HEAD or the inspect page', async () => {
      const link = await create({ url: 'https://example.com/landing', utm: { source: 'newsletter', campaign: 'fall' } });
      const human = { 'user-agent': CHROME, 'x-forwarded-for': '10.9.9.9, 81.2.69.160', referer: 'https://news.example.org/story?id=1', 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' };
      for (let i = 0; i < 3; i++) assert.equal((await visit(`${link.slug}?utm_source=twitter`, human)).status, 302);
      assert.equal((await visit(link.slug, { 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.161' })).status, 302);
      assert.equal((await visit(link.slug, { 'user-agent': GOOGLEBOT })).status, 302);
      assert.equal((await visit(link.slug, { 'user-agent': CHROME }, 'HEAD')).status, 302);
      assert.equal((await visit(`${link.slug}+`, { 'user-agent': CHROME })).status, 200);
      await t.curt.clicks.flush();

      const rows = await rawClicks(link.id);
      assert.equal(rows.length, 5);
      const [first] = rows;
      assert.equal(first!.workspace_id, a.workspaceId);
      assert.equal(first!.domain, '');
      assert.equal(first!.referrer, 'https://news.example.org/story?id=1');
      assert.equal(first!.referrer_host, 'news.example.org');
      assert.equal(first!.country, 'GB', '81.2.69.160 (the client behind one trusted proxy) is in GB in GeoLite2');
      assert.equal(first!.device, 'desktop');
      assert.equal(first!.browser, 'Chrome');
      assert.equal(first!.os, 'Windows');
      assert.equal(first!.language, 'de');
      assert.equal(first!.utm_source, 'twitter', "the visit's utm_source wins over the link's");
      assert.equal(first!.utm_campaign, 'fall', "the link's own utm_campaign is kept");
      assert.equal(first!.bot, false);
      assert.equal(new Set(rows.slice(0, 3).map((r) => r.visitor_id)).size, 1, 'same IP + UA on the same day: one visitor');
      const phone = rows.find((r) => r.device === 'mobile');
      assert.ok(phone && phone.os === 'iOS' && phone.referrer === null && phone.language === null);
      assert.notEqual(phone.visitor_id, first!.visitor_id);
      const bot = rows.find((r) => r.bot);
      assert.ok(bot, 'Googlebot is flagged, not dropped');
      assert.equal(rows.filter((r) => r.bot).length, 1);

      const json = (await t.curt.app.inject({ url: `/api/v1/links/${link.id}`, headers: bearer(a.key) })).json() as { clicks: number };
      assert.equal(json.clicks, 5, 'the link counter equals the stored clicks');
      // No raw IP anywhere in the stored row.
      assert.ok(!JSON.stringify(rows).includes('81.2.69.'));
    });

    it('counts every one of N concurrent redirects exactly once', async () => {
      const link = await create({ url: 'https://example.com/many' });
      const n = 300;
      await Promise.all(Array.from({ length: n }, () => visit(link.slug, { 'user-agent': CHROME })));
      await t.curt.clicks.flush();
      assert.equal((await rawClicks(link.id)).length, n);
      const rollup = await t.handle.db.selectFrom('click_rollups_hourly').select(({ fn }) => fn.sum<number>('clicks').as('n'))
        .where('link_id', '=', link.id).where('dimension', '=', '').executeTakeFirstOrThrow();
      assert.equal(Number(rollup.n), n);
      const json = (await t.curt.app.inject({ url: `/api/v1/links/${link.id}`, headers: bearer(a.key) })).json() as { clicks: number };
      assert.equal(json.clicks, n);
    });

    it('GET /analytics reports exactly the redirects served, bots apart', async () => {
      const link = await create({ url: 'https://example.com/report' });
      const humans = 40;
      const bots = 7;
      await Promise.all([
        ...Array.from({ length: humans }, (_, i) => visit(link.slug, { 'user-agent': CHROME, 'x-forwarded-for': `81.2.69.${i % 5}` })),
        ...Array.from({ length: bots }, () => visit(link.slug, { 'user-agent': GOOGLEBOT })),
      ]);
      await t.curt.clicks.flush();
      const analytics = async (query: string) => {
        const res = await t.curt.app.inject({ url: `/api/v1/analytics?link=${link.id}&${query}`, headers: bearer(a.key) });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { data: { key?: string | null; time?: string; clicks: number; visitors: number }[]; total: { clicks: number; visitors: number } };
      };
      const series = await analytics('groupBy=time&interval=day');
      assert.equal(series.total.clicks, humans);
      assert.equal(series.data.reduce((sum, b) => sum + b.clicks, 0), humans);
      assert.equal(series.total.visitors, 5, 'five addresses with one UA: five visitors');
      assert.equal((await analytics('groupBy=time&interval=day&bots=only')).total.clicks, bots);
      assert.equal((await analytics('groupBy=time&interval=hour&bots=include')).total.clicks, humans + bots);
      const countries = await analytics('groupBy=country');
      assert.deepEqual(countries.data.map((d) => [d.key, d.clicks]), [['GB', humans]]);

      // Per-link breakdowns read raw clicks until the hour is rolled, then the rolled rows: same answers.
      const before = await Promise.all(['groupBy=country&metric=visitors', 'groupBy=browser&bots=include', 'groupBy=device&bots=only'].map(analytics));
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      assert.equal(await new LinkRollups(t.handle.db).roll(a.workspaceId, hour), true);
      const after = await Promise.all(['groupBy=country&metric=visitors', 'groupBy=browser&bots=include', 'groupBy=device&bots=only'].map(analytics));
      assert.deepEqual(after, before);
      assert.equal(before[0]!.data[0]!.visitors, 5);
    });

    it('enforces maxClicks from the counter, including clicks not yet stored', async () => {
      const link = await create({ url: 'https://example.com/limited', maxClicks: 2 });
      assert.equal((await visit(link.slug)).status, 302);
      assert.equal((await visit(link.slug)).status, 302);
      assert.equal((await visit(link.slug)).status, 410);
      await t.curt.clicks.flush();
      assert.equal((await rawClicks(link.id)).length, 2);
    });
  });
}
