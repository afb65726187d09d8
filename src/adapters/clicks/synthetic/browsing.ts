/**
 * What synthetic visitors click with and where they come from: real-looking User-Agents
 * (desktop, mobile and tablet browsers, in-app browsers, crawlers and scripts), Referer
 * headers (mostly none, then search, social, mail and a long tail of sites) and the visit's
 * own query string (sometimes utm_* or click ids). Weights are relative, roughly like
 * public browser- and referrer-share statistics.
 */

type Weighted = ReadonlyArray<readonly [value: string, weight: number]>;

const WEBKIT = 'AppleWebKit/537.36 (KHTML, like Gecko)';
const chrome = (platform: string, version: number, suffix = '') => `Mozilla/5.0 (${platform}) ${WEBKIT} Chrome/${version}.0.0.0 Safari/537.36${suffix}`;
const chromeMobile = (platform: string, version: string) => `Mozilla/5.0 (${platform}) ${WEBKIT} Chrome/${version} Mobile Safari/537.36`;
const iphone = (os: string, tail: string) => `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ${tail}`;
const firefox = (platform: string, version: number) => `Mozilla/5.0 (${platform}; rv:${version}.0) Gecko/20100101 Firefox/${version}.0`;
const WINDOWS = 'Windows NT 10.0; Win64; x64';
const MAC = 'Macintosh; Intel Mac OS X 10_15_7';

/** People's browsers: about 40% desktop, 56% phones, 4% tablets. */
export const HUMAN_AGENTS: Weighted = [
  [chrome(WINDOWS, 126), 9], [chrome(WINDOWS, 125), 5], [chrome(WINDOWS, 124), 2],
  [chrome(MAC, 126), 4], [chrome(MAC, 125), 2],
  [chrome(WINDOWS, 125, ' Edg/125.0.0.0'), 4.5],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', 3.5],
  [firefox(WINDOWS, 126), 2.5], [firefox('Macintosh; Intel Mac OS X 10.15', 126), 0.7], [firefox('X11; Linux x86_64', 126), 0.5],
  [chrome('X11; Linux x86_64', 125), 0.8], [chrome('X11; CrOS x86_64 14541.0.0', 125), 0.5],
  [chrome(WINDOWS, 125, ' OPR/111.0.0.0'), 0.5],
  [iphone('17_5', 'Version/17.5 Mobile/15E148 Safari/604.1'), 10], [iphone('17_4_1', 'Version/17.4.1 Mobile/15E148 Safari/604.1'), 4],
  [iphone('18_0', 'Version/18.0 Mobile/15E148 Safari/604.1'), 3],
  [iphone('17_5', 'CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1'), 2],
  [iphone('17_5', 'Mobile/15E148 Instagram 334.0.4.32.98 (iPhone15,3; iOS 17_5; en_US; en; scale=3.00; 1290x2796; 606367032)'), 1.5],
  [chromeMobile('Linux; Android 10; K', '125.0.0.0'), 14],
  [chromeMobile('Linux; Android 14; Pixel 8', '125.0.6422.113'), 3],
  [chromeMobile('Linux; Android 13; SM-S911B', '124.0.6367.179'), 3],
  ['Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36', 3.5],
  ['Mozilla/5.0 (Linux; Android 14; SM-A546B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.113 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/466.0.0.42.73;]', 1.5],
  ['Mozilla/5.0 (Linux; U; Android 13; en-us; 2201117TG Build/TKQ1.221114.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.9.1-gn', 0.8],
  ['Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0', 0.5],
  ['Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 2.5],
  [chrome('Linux; Android 13; SM-X710', 125), 1],
];

/** Crawlers, link-preview fetchers and scripts (every one is flagged as a bot at ingest). */
export const BOT_AGENTS: Weighted = [
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 25],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 10],
  ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 15],
  ['Twitterbot/1.0', 8],
  ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 8],
  ['curl/8.5.0', 10],
  ['python-requests/2.31.0', 8],
  ['Go-http-client/1.1', 5],
  ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 5],
  ['', 6],
];

/** Share of all clicks made by BOT_AGENTS. */
export const BOT_SHARE = 0.04;

/**
 * Referer headers. `{n}` is replaced by a number below the entry's `spread`, giving the long
 * tail of distinct pages (posts, threads, tweets) that real referrers have.
 */
export const REFERRERS: ReadonlyArray<readonly [template: string, weight: number, spread: number]> = [
  ['', 55, 1],
  ['https://www.google.com/', 14, 1], ['https://www.google.de/', 0.6, 1], ['https://www.google.co.uk/', 0.5, 1],
  ['https://www.bing.com/', 1.5, 1], ['https://duckduckgo.com/', 1, 1], ['https://search.yahoo.com/', 0.4, 1], ['https://yandex.ru/', 0.4, 1],
  ['https://t.co/x{n}', 3, 400], ['https://l.facebook.com/', 3, 1], ['https://m.facebook.com/', 1, 1],
  ['https://www.linkedin.com/', 2, 1], ['https://lnkd.in/p{n}', 0.5, 100],
  ['https://www.reddit.com/r/programming/comments/{n}/', 1, 200], ['https://www.reddit.com/r/technology/comments/{n}/', 1, 200],
  ['https://old.reddit.com/', 0.5, 1],
  ['https://news.ycombinator.com/', 0.8, 1], ['https://news.ycombinator.com/item?id=4{n}', 0.4, 150],
  ['https://l.instagram.com/', 1.5, 1], ['https://www.youtube.com/', 1, 1],
  ['https://mail.google.com/', 0.8, 1], ['https://outlook.live.com/', 0.4, 1],
  // An app referrer: not an http(s) URL, so ingest stores no referrer for it.
  ['android-app://com.google.android.gm/', 0.5, 1],
  ['https://blog{n}.example.net/posts/', 5, 300], ['https://www.news{n}.example.com/article', 3, 120],
];

/** The visit's own query string (without '?'): mostly none; utm_* of campaigns; ad click ids. */
export const VISIT_QUERIES: ReadonlyArray<readonly [query: string, weight: number, spread: number]> = [
  ['', 80, 1],
  ['utm_source=newsletter&utm_medium=email&utm_campaign=weekly-{n}', 5, 12],
  ['utm_source=twitter&utm_medium=social', 3, 1],
  ['utm_source=facebook&utm_medium=paid_social&utm_campaign=spring_sale&utm_content=carousel', 2, 1],
  ['utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=link+shortener', 2, 1],
  ['utm_source=linkedin&utm_medium=social&utm_campaign=launch', 1.5, 1],
  ['utm_source=qr&utm_medium=print&utm_campaign=poster', 0.5, 1],
  ['fbclid=IwAR0{n}', 3, 5000],
  ['gclid=Cj0KCQjw{n}', 2, 5000],
  ['ref=producthunt', 1, 1],
];

/** The template with `{n}` replaced. */
export function expand(template: string, n: number): string {
  return template.includes('{n}') ? template.replace('{n}', String(n)) : template;
}
