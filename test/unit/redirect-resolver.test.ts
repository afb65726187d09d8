import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedirectResolver } from '../../src/core/redirect/redirect-resolver.js';
import { toRedirectTarget } from '../../src/core/redirect/redirect-target.js';
import { FakeClickRecorder, FakeRedirectCache, FakeSlugLookup, makeLink } from './fakes.js';

function setup() {
  const cache = new FakeRedirectCache();
  const lookup = new FakeSlugLookup();
  const counter = new FakeClickRecorder();
  const resolver = new RedirectResolver(cache, lookup, counter);
  lookup.links.set('/abc', makeLink({ id: 'lnk_abc', slug: 'abc', url: 'https://old.test/' }));
  return { cache, lookup, counter, resolver };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RedirectResolver', () => {
  it('keys by domain and slug', () => {
    assert.equal(RedirectResolver.key('', 'abc'), 'abc', 'default-domain keys are the bare slug');
    assert.equal(RedirectResolver.key('go.test', 'a/b'), 'go.test/a/b');
  });

  it('serves a cached hit without calling the lookup', async () => {
    const { cache, lookup, resolver } = setup();
    const target = toRedirectTarget(makeLink({ id: 'lnk_cached' }));
    cache.entries.set('abc', target);
    assert.equal(resolver.cached('abc'), target);
    assert.equal(lookup.calls, 0);
    cache.entries.set('gone', null);
    assert.equal(resolver.cached('gone'), null, 'a known miss is null');
    assert.equal(resolver.cached('never'), undefined, 'not cached is undefined');
    assert.equal(lookup.calls, 0);
  });

  it('loads a link once and caches it', async () => {
    const { cache, lookup, resolver } = setup();
    const target = await resolver.load('', 'abc');
    assert.equal(target?.linkId, 'lnk_abc');
    assert.equal(target?.location, 'https://old.test/');
    assert.equal(cache.entries.get('abc'), target);
    assert.equal(resolver.cached('abc'), target);
    assert.equal(lookup.calls, 1);
  });

  it('shares one lookup between concurrent loads of one key', async () => {
    const { lookup, resolver } = setup();
    lookup.hold();
    const loads = Array.from({ length: 5 }, () => resolver.load('', 'abc'));
    const other = resolver.load('', 'other');
    lookup.release();
    const targets = await Promise.all(loads);
    assert.equal(lookup.calls, 2, 'one for abc, one for other');
    assert.ok(targets.every((t) => t === targets[0]));
    assert.equal(await other, null);
  });

  it('starts a fresh lookup once the previous load finished', async () => {
    const { lookup, resolver } = setup();
    await resolver.load('', 'abc');
    await resolver.load('', 'abc');
    assert.equal(lookup.calls, 2);
  });

  it('caches a miss as null', async () => {
    const { cache, resolver } = setup();
    assert.equal(await resolver.load('', 'nope'), null);
    assert.ok(cache.entries.has('nope'));
    assert.equal(cache.entries.get('nope'), null);
    assert.equal(resolver.cached('nope'), null);
  });

  it('does not cache a load that raced with an invalidation', async () => {
    const { cache, lookup, resolver } = setup();
    lookup.hold();
    const load = resolver.load('', 'abc');
    await tick();
    lookup.links.set('/abc', makeLink({ id: 'lnk_abc', url: 'https://new.test/' }));
    cache.entries.delete('abc');
    resolver.invalidated();
    lookup.release();
    const stale = await load;
    assert.equal(stale?.location, 'https://old.test/', 'the racing request is still served');
    assert.equal(cache.entries.has('abc'), false, 'but the stale target is not cached');
    assert.equal(cache.sets, 0);
    const fresh = await resolver.load('', 'abc');
    assert.equal(fresh?.location, 'https://new.test/');
    assert.equal(cache.entries.get('abc'), fresh);
  });

  it('does not cache a miss that raced with an invalidation (link just created)', async () => {
    const { cache, lookup, resolver } = setup();
    lookup.hold();
    const load = resolver.load('', 'new');
    await tick();
    lookup.links.set('/new', makeLink({ id: 'lnk_new', slug: 'new' }));
    resolver.invalidated();
    lookup.release();
    assert.equal(await load, null);
    assert.equal(cache.entries.has('new'), false);
  });

  it('does not hand a load started after an invalidation the stale in-flight result', async () => {
    const { lookup, resolver } = setup();
    lookup.hold();
    const before = resolver.load('', 'abc');
    await tick();
    lookup.links.set('/abc', makeLink({ id: 'lnk_abc', url: 'https://new.test/' }));
    resolver.invalidated();
    const after = resolver.load('', 'abc');
    lookup.release();
    assert.equal((await before)?.location, 'https://old.test/');
    assert.equal((await after)?.location, 'https://new.test/');
  });

  it('lets a failed lookup reject and retries on the next load', async () => {
    const cache = new FakeRedirectCache();
    let fail = true;
    const flaky = new RedirectResolver(cache, { findBySlug: async () => { if (fail) throw new Error('db down'); return makeLink(); } }, new FakeClickRecorder());
    await assert.rejects(flaky.load('', 'abc'), /db down/);
    assert.equal(cache.entries.has('abc'), false);
    fail = false;
    assert.equal((await flaky.load('', 'abc'))?.linkId, 'lnk_1');
  });

  it('counts a click on the target and captures it with the visit and the link', async () => {
    const { counter, lookup, resolver } = setup();
    lookup.links.set('/abc', makeLink({ id: 'lnk_abc', workspaceId: 'ws_1', utm: { source: 'news' } }));
    const target = (await resolver.load('', 'abc'))!;
    assert.equal(target.clicks, 0);
    const visit = { domain: '', ip: '203.0.113.9', userAgent: 'UA', referer: 'https://r.example/', acceptLanguage: 'de', query: 'a=1' };
    const before = Date.now();
    resolver.countClick(target, visit);
    resolver.countClick(target, visit);
    assert.equal(target.clicks, 2);
    assert.equal(resolver.cached('abc')?.clicks, 2, 'the cached target sees the clicks');
    assert.deepEqual(counter.recorded, ['lnk_abc', 'lnk_abc']);
    const [first, second] = counter.captured;
    assert.deepEqual({ ...first, id: undefined, at: undefined }, {
      ...visit, id: undefined, at: undefined, workspaceId: 'ws_1', linkId: 'lnk_abc', linkUtm: { source: 'news' },
    });
    assert.ok(first!.at >= before && first!.at <= Date.now());
    assert.match(first!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7');
    assert.notEqual(first!.id, second!.id);
  });

  it('adds clicks not yet stored when loading', async () => {
    const { counter, lookup, resolver } = setup();
    lookup.links.set('/abc', makeLink({ id: 'lnk_abc', clicks: 10, maxClicks: 12 }));
    const click = (linkId: string) => ({ id: linkId, at: 0, workspaceId: 'w', linkId, domain: '', ip: '', userAgent: '', referer: '', acceptLanguage: '', query: '', linkUtm: {} });
    counter.capture(click('lnk_abc'));
    counter.capture(click('lnk_abc'));
    counter.capture(click('lnk_other'));
    const target = (await resolver.load('', 'abc'))!;
    assert.equal(target.clicks, 12);
    assert.equal(lookup.links.get('/abc')?.clicks, 10, 'the stored link is not changed');
  });
});
