import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import { describe, it } from 'node:test';
import type { CapturedClick } from '../../src/core/analytics/click.js';
import { DefaultClickEnricher, ipv4Number, lookupCountry } from '../../src/adapters/clicks/click-enricher.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  edgeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  curl: 'curl/8.5.0',
};

const SALT = new TextEncoder().encode('salt-of-2026-01-01');
const OTHER_SALT = new TextEncoder().encode('salt-of-2026-01-02');

function captured(overrides: Partial<CapturedClick> = {}): CapturedClick {
  return {
    id: 'clk_1',
    at: Date.UTC(2026, 0, 1, 12, 0, 0),
    workspaceId: 'ws_1',
    linkId: 'lnk_1',
    domain: '',
    ip: '8.8.8.8',
    userAgent: UA.chromeWindows,
    referer: '',
    acceptLanguage: '',
    query: '',
    linkUtm: {},
    ...overrides,
  };
}

const enricher = new DefaultClickEnricher();
const enrich = (overrides: Partial<CapturedClick> = {}, salt: Uint8Array = SALT) => enricher.enrich(captured(overrides), salt);

describe('DefaultClickEnricher', () => {
  // Must run first: nothing in this process has looked up a country yet.
  it('loads the GeoIP database only on the first country lookup', () => {
    const require = createRequire(import.meta.url);
    const loaded = () => require.resolve('geoip-country') in require.cache;
    assert.equal(loaded(), false);
    const local = new DefaultClickEnricher();
    assert.equal(local.enrich(captured({ ip: '' }), SALT).country, null);
    assert.equal(loaded(), false);
    assert.equal(local.enrich(captured({ ip: '8.8.8.8' }), SALT).country, 'US');
    assert.equal(loaded(), true);
  });

  it('copies the identity of the click', () => {
    const event = enrich({ id: 'clk_9', workspaceId: 'ws_9', linkId: 'lnk_9', domain: 'go.example.com' });
    assert.equal(event.id, 'clk_9');
    assert.equal(event.workspaceId, 'ws_9');
    assert.equal(event.linkId, 'lnk_9');
    assert.equal(event.domain, 'go.example.com');
    assert.ok(event.at instanceof Date);
    assert.equal(event.at.toISOString(), '2026-01-01T12:00:00.000Z');
  });

  describe('user agent', () => {
    const agent = (userAgent: string) => {
      const { device, browser, os, bot } = enrich({ userAgent });
      return { device, browser, os, bot };
    };

    it('recognises desktop browsers', () => {
      assert.deepEqual(agent(UA.chromeWindows), { device: 'desktop', browser: 'Chrome', os: 'Windows', bot: false });
      assert.deepEqual(agent(UA.firefoxLinux), { device: 'desktop', browser: 'Firefox', os: 'Linux', bot: false });
      assert.deepEqual(agent(UA.edgeMac), { device: 'desktop', browser: 'Edge', os: 'Mac OS', bot: false });
    });

    it('recognises phones and tablets', () => {
      assert.deepEqual(agent(UA.safariIphone), { device: 'mobile', browser: 'Mobile Safari', os: 'iOS', bot: false });
      assert.deepEqual(agent(UA.chromeAndroid), { device: 'mobile', browser: 'Chrome', os: 'Android', bot: false });
      assert.deepEqual(agent(UA.safariIpad), { device: 'tablet', browser: 'Mobile Safari', os: 'iOS', bot: false });
    });

    it('flags crawlers and scripts as bots', () => {
      const googlebot = agent(UA.googlebot);
      assert.equal(googlebot.bot, true);
      assert.equal(googlebot.device, 'bot');
      const curl = agent(UA.curl);
      assert.equal(curl.bot, true);
      assert.equal(curl.device, 'bot');
    });

    it('counts a missing user agent as a bot with nothing else known', () => {
      assert.deepEqual(agent(''), { device: null, browser: null, os: null, bot: true });
      assert.deepEqual(agent('  \t '), { device: null, browser: null, os: null, bot: true });
    });

    it('gives the same answer from the cache', () => {
      const first = agent(UA.safariIphone);
      for (let i = 0; i < 3; i++) assert.deepEqual(agent(UA.safariIphone), first);
    });
  });

  describe('country', () => {
    const country = (ip: string) => enrich({ ip }).country;

    it('looks up public IPv4 and IPv6 addresses', () => {
      assert.equal(country('8.8.8.8'), 'US');
      assert.equal(country('81.2.69.142'), 'GB');
      assert.equal(country('2001:4860:4860::8888'), 'US');
    });

    it('looks up IPv4-mapped IPv6 as IPv4', () => {
      assert.equal(country('::ffff:8.8.8.8'), 'US');
      assert.equal(country('::FFFF:8.8.8.8'), 'US');
      assert.equal(country('::ffff:808:808'), 'US');
      assert.equal(country('0:0:0:0:0:ffff:8.8.8.8'), 'US');
    });

    it('gives IPv4 addresses to the database as numbers, with the answers it gives for their text', () => {
      assert.equal(ipv4Number('8.8.8.8'), 0x08080808);
      assert.equal(ipv4Number('255.255.255.255'), 4294967295);
      assert.equal(ipv4Number('0.0.0.0'), 0);
      for (const junk of ['', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '::1', '2001:db8::1', '1.2.3.4 ', 'a.b.c.d', '08.8.8.8', '8.8.8.010', '1.00.2.3']) {
        assert.equal(ipv4Number(junk), -1, junk);
        assert.equal(isIPv4(junk), false, junk); // the same addresses as Node's own check
      }
      assert.equal(ipv4Number('10.0.100.200'), (10 << 24 | 100 << 8 | 200) >>> 0);
      const geoip = createRequire(import.meta.url)('geoip-country') as { lookup(ip: string): { country: string } | null };
      let seed = 7;
      for (let i = 0; i < 2000; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const ip = `${seed >>> 24}.${(seed >>> 16) & 255}.${(seed >>> 8) & 255}.${seed & 255}`;
        assert.equal(lookupCountry(ip), geoip.lookup(ip)?.country ?? null, ip);
      }
    });

    it('has no country for private, loopback and invalid addresses', () => {
      for (const ip of ['10.1.2.3', '192.168.1.1', '172.16.0.5', '127.0.0.1', '::1', 'fe80::1', 'fe80::1%eth0', '::ffff:10.0.0.1', '', 'unknown', '999.1.1.1', '8.8.8.8'.repeat(20)]) {
        assert.equal(country(ip), null, ip);
      }
    });
  });

  describe('language', () => {
    const language = (acceptLanguage: string) => enrich({ acceptLanguage }).language;

    it('takes the primary subtag of the preferred entry', () => {
      assert.equal(language('en-US,en;q=0.9'), 'en');
      assert.equal(language('de'), 'de');
      assert.equal(language('PT-br'), 'pt');
      assert.equal(language('fil-PH'), 'fil');
      assert.equal(language('zh-Hant-TW;q=1, en;q=0.5'), 'zh');
    });

    it('respects q values', () => {
      assert.equal(language('fr;q=0.5, de;q=0.9, en;q=0.7'), 'de');
      assert.equal(language('fr;q=0.8, de;q=0.8'), 'fr');
      assert.equal(language('fr;q=0, de;q=0.1'), 'de');
      assert.equal(language('fr;q=0'), null);
      assert.equal(language('*;q=1, nl;q=0.2'), 'nl');
    });

    it('gives the same answer from the cache, and reads headers past the cached length', () => {
      const enricher = new DefaultClickEnricher({ maxLanguages: 2 });
      const salt = new Uint8Array(32).fill(1);
      const of = (acceptLanguage: string) => enricher.enrich(captured({ acceptLanguage }), salt).language;
      for (let round = 0; round < 3; round++) {
        assert.equal(of('fr;q=0.5, de;q=0.9'), 'de');
        assert.equal(of('en-GB'), 'en');
        assert.equal(of('*'), null);
      }
      assert.equal(of(`de;q=0.9,${'x-junk;q=0.1,'.repeat(60)}`), 'de');
    });

    it('has no language for wildcards and garbage', () => {
      for (const header of ['', '*', ',,,', 'x', '12-34', 'english', 'en;q=abc', '\u0000\u0001', ';q=1']) {
        assert.equal(language(header), null, header);
      }
    });
  });

  describe('referrer', () => {
    it('keeps absolute http(s) referrers and their host without www', () => {
      const event = enrich({ referer: 'https://www.Example.com/some/page?x=1' });
      assert.equal(event.referrer, 'https://www.example.com/some/page?x=1');
      assert.equal(event.referrerHost, 'example.com');
      const plain = enrich({ referer: 'http://news.ycombinator.com/' });
      assert.equal(plain.referrer, 'http://news.ycombinator.com/');
      assert.equal(plain.referrerHost, 'news.ycombinator.com');
    });

    it('drops credentials and fragments', () => {
      const event = enrich({ referer: 'https://user:secret@t.co/abc#frag' });
      assert.equal(event.referrer, 'https://t.co/abc');
      assert.equal(event.referrerHost, 't.co');
    });

    it('ignores empty, non-http and garbage referrers', () => {
      for (const referer of ['', 'android-app://com.google.android.gm/', 'ftp://example.com/', 'javascript:alert(1)', 'example.com/page', 'not a url', 'https://', 'http://exa mple.com/']) {
        const event = enrich({ referer });
        assert.equal(event.referrer, null, referer);
        assert.equal(event.referrerHost, null, referer);
      }
    });

    it('bounds long referrers', () => {
      const event = enrich({ referer: `https://example.com/${'a'.repeat(10_000)}` });
      assert.equal(event.referrer?.length, 1024);
      assert.ok(event.referrer?.startsWith('https://example.com/aaa'));
      assert.equal(event.referrerHost, 'example.com');
    });
  });

  describe('utm', () => {
    const utm = (query: string, linkUtm: CapturedClick['linkUtm'] = {}) => {
      const e = enrich({ query, linkUtm });
      return [e.utmSource, e.utmMedium, e.utmCampaign, e.utmTerm, e.utmContent];
    };

    it('reads utm_* from the visit query, decoded and trimmed', () => {
      assert.deepEqual(utm('utm_source=news%20letter&utm_medium=+email+&utm_campaign=spring&utm_term=t&utm_content=c'), [
        'news letter', 'email', 'spring', 't', 'c',
      ]);
    });

    it('prefers the visit over the link, key by key', () => {
      const link = { source: 'link-src', medium: 'link-med', campaign: 'link-camp' };
      assert.deepEqual(utm('utm_source=visit-src&utm_medium=&fbclid=x', link), ['visit-src', 'link-med', 'link-camp', null, null]);
      assert.deepEqual(utm('', link), ['link-src', 'link-med', 'link-camp', null, null]);
      assert.deepEqual(utm('gclid=abc', link), ['link-src', 'link-med', 'link-camp', null, null]);
    });

    it('is null when neither has it', () => {
      assert.deepEqual(utm(''), [null, null, null, null, null]);
      assert.deepEqual(utm('utm_source=%20%20'), [null, null, null, null, null]);
    });
  });

  describe('visitor id', () => {
    const IP = '203.0.113.77';

    it('is stable for one ip, user agent and salt', () => {
      const a = enrich({ ip: IP }).visitorId;
      const b = enrich({ ip: IP, id: 'clk_2', referer: 'https://example.com/' }).visitorId;
      assert.equal(a, b);
      assert.equal(new DefaultClickEnricher().enrich(captured({ ip: IP }), SALT).visitorId, a);
    });

    it('is 32 lower-case hex chars and does not contain the address', () => {
      const id = enrich({ ip: IP }).visitorId;
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.ok(!id.includes(IP));
      assert.ok(!JSON.stringify(enrich({ ip: IP })).includes(IP));
    });

    it('changes with the salt, the address and the user agent', () => {
      const id = enrich({ ip: IP }).visitorId;
      assert.notEqual(enrich({ ip: IP }, OTHER_SALT).visitorId, id);
      assert.notEqual(enrich({ ip: '203.0.113.78' }).visitorId, id);
      assert.notEqual(enrich({ ip: IP, userAgent: UA.firefoxLinux }).visitorId, id);
      // The same salt again gives the same id (no state kept between salts).
      assert.equal(enrich({ ip: IP }, SALT).visitorId, id);
    });

    it('is the first 128 bits of SHA-256(hex(salt) + "\\n" + ip + "\\n" + ua)', async () => {
      const { createHash } = await import('node:crypto');
      const expected = createHash('sha256').update(`${Buffer.from(SALT).toString('hex')}\n${IP}\n${UA.curl}`).digest('hex').slice(0, 32);
      assert.equal(enrich({ ip: IP, userAgent: UA.curl }).visitorId, expected);
      // A salt that is a view into a larger buffer is read as its own bytes only.
      const backing = new Uint8Array(SALT.length + 8).fill(0xee);
      backing.set(SALT, 4);
      assert.equal(new DefaultClickEnricher().enrich(captured({ ip: IP, userAgent: UA.curl }), backing.subarray(4, 4 + SALT.length)).visitorId, expected);
    });

    it('refuses an empty salt', () => {
      assert.throws(() => enrich({}, new Uint8Array(0)), RangeError);
    });
  });

  describe('hostile headers', () => {
    it('bounds lengths', () => {
      const long = 'x'.repeat(100_000);
      const event = enrich({
        userAgent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) ${long}`,
        acceptLanguage: `en,${long}`,
        query: `utm_source=${long}&utm_campaign=${'é'.repeat(1000)}`,
        referer: `https://example.com/?q=${long}`,
      });
      assert.equal(event.utmSource?.length, 255);
      assert.equal(event.utmCampaign?.length, 255);
      assert.ok((event.referrer?.length ?? 0) <= 1024);
      assert.equal(event.language, 'en');
      for (const value of [event.browser, event.os, event.device]) assert.ok(value === null || value.length <= 255);
    });

    it('does not cut a surrogate pair in half', () => {
      const event = enrich({ query: `utm_term=${encodeURIComponent('a' + '😀'.repeat(200))}` });
      const term = event.utmTerm ?? '';
      assert.ok(term.length <= 255);
      assert.ok(!/[\ud800-\udbff]$/.test(term));
    });

    it('strips control characters', () => {
      const event = enrich({
        query: 'utm_source=news%00%0d%0aSet-Cookie%3A%20x&utm_medium=%1b[31mred%7f%c2%85',
        linkUtm: { campaign: 'camp\u0007aign' },
        userAgent: `\u0000${UA.firefoxLinux}\u0085`,
        referer: 'https://exa\tmple.com/pa\nth',
      });
      assert.equal(event.utmSource, 'newsSet-Cookie: x');
      assert.equal(event.utmMedium, '[31mred');
      assert.equal(event.utmCampaign, 'campaign');
      assert.equal(event.browser, 'Firefox');
      assert.equal(event.os, 'Linux');
      assert.equal(event.referrer, 'https://example.com/path');
      assert.equal(event.referrerHost, 'example.com');
    });
  });
});
