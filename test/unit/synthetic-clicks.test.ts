import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DefaultClickEnricher, lookupCountry } from '../../src/adapters/clicks/click-enricher.js';
import { CountryAddresses } from '../../src/adapters/clicks/synthetic/country-addresses.js';
import { Random } from '../../src/adapters/clicks/synthetic/random.js';
import { SyntheticClicks, type SyntheticLink } from '../../src/adapters/clicks/synthetic/synthetic-clicks.js';
import { syntheticLinkInputs } from '../../src/adapters/clicks/synthetic/synthetic-links.js';
import type { CapturedClick } from '../../src/core/analytics/click.js';

const DAY = 86_400_000;
const addresses = CountryAddresses.build();
const links: SyntheticLink[] = Array.from({ length: 200 }, (_, i) => ({ id: `lnk_${i}`, workspaceId: 'ws_1', domain: '', utm: i === 3 ? { source: 'newsletter' } : {} }));
const to = Date.UTC(2026, 10, 20, 12, 30);
const from = to - 7 * DAY;
const generate = (seed: number, clicks = 20_000, batch = 5000) =>
  [...new SyntheticClicks({ links, clicks, from, to, seed }, addresses).batches(batch)].flat();
/** A click without its id (ids are unique per run, by design). */
const withoutId = ({ id: _id, ...rest }: CapturedClick) => rest;

describe('SyntheticClicks', () => {
  it('is reproducible from its seed, whatever the batch size, and differs with another seed', () => {
    const a = generate(1, 3000, 100).map(withoutId);
    assert.deepEqual(a, generate(1, 3000, 2500).map(withoutId));
    assert.notDeepEqual(a, generate(2, 3000, 100).map(withoutId));
  });

  it('spreads exactly the requested clicks over the range, in time order, never two hours in one batch', () => {
    const source = new SyntheticClicks({ links, clicks: 12_345, from, to, seed: 3 }, addresses);
    assert.equal(source.hours().reduce((s, h) => s + h.clicks, 0), 12_345);
    const batches = [...source.batches(500)];
    const clicks = batches.flat();
    assert.equal(clicks.length, 12_345);
    assert.ok(clicks.every((c, i) => c.at >= from && c.at < to && (i === 0 || c.at >= clicks[i - 1]!.at)));
    assert.ok(batches.every((b) => Math.floor(b[0]!.at / 3_600_000) === Math.floor(b.at(-1)!.at / 3_600_000)));
    assert.equal(new Set(clicks.map((c) => c.id)).size, clicks.length, 'unique ids');
  });

  it('looks like real traffic once enriched: countries, devices, bots, referrers, campaigns, returning visitors, busy and quiet hours', () => {
    const enricher = new DefaultClickEnricher();
    const salt = new Uint8Array(32).fill(9);
    const events = generate(4).map((c) => enricher.enrich(c, salt));
    const share = (pick: (e: (typeof events)[number]) => unknown, value: unknown) => events.filter((e) => pick(e) === value).length / events.length;
    const countries = new Map<string | null, number>();
    for (const e of events) countries.set(e.country, (countries.get(e.country) ?? 0) + 1);
    const ranked = [...countries].sort((a, b) => b[1] - a[1]);
    assert.equal(ranked[0]![0], 'US');
    assert.ok(ranked.length >= 30, `${ranked.length} countries`);
    assert.ok(share((e) => e.bot, true) > 0.02 && share((e) => e.bot, true) < 0.07);
    assert.ok(share((e) => e.device, 'mobile') > 0.4 && share((e) => e.device, 'desktop') > 0.25 && share((e) => e.device, 'tablet') > 0.01);
    assert.ok(share((e) => e.referrer, null) > 0.45 && share((e) => e.referrerHost, 'google.com') > 0.08);
    assert.ok(share((e) => e.utmSource, 'twitter') > 0.01 && share((e) => e.language, 'en') > 0.3);
    assert.ok(new Set(events.map((e) => e.visitorId)).size < 0.6 * events.length, 'visitors come back');
    const perLink = new Map<string, number>();
    for (const e of events) perLink.set(e.linkId, (perLink.get(e.linkId) ?? 0) + 1);
    assert.ok(Math.max(...perLink.values()) > 0.1 * events.length, 'a few links get most clicks (Zipf)');
    const byUtcHour = new Array<number>(24).fill(0);
    for (const e of events) byUtcHour[e.at.getUTCHours()]!++;
    assert.ok(Math.max(...byUtcHour) > 1.4 * Math.min(...byUtcHour), 'a daily rhythm');
  });

  it('draws addresses that GeoIP places in the wanted country', () => {
    const r = new Random(5);
    for (const country of ['US', 'DE', 'IN', 'BR', 'JP']) {
      for (let i = 0; i < 20; i++) assert.equal(lookupCountry(addresses.address(country, r)), country);
    }
    assert.equal(lookupCountry(addresses.address('', r)), null);
  });

  it('makes valid link inputs, some with campaign parameters', () => {
    const inputs = syntheticLinkInputs(100, 1);
    assert.equal(inputs.length, 100);
    assert.ok(inputs.every((l) => typeof l.url === 'string' && new URL(l.url).protocol === 'https:'));
    assert.ok(inputs.some((l) => l.utm !== undefined) && inputs.some((l) => l.utm === undefined));
  });
});
