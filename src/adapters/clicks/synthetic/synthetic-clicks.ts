import type { CapturedClick } from '../../../core/analytics/click.js';
import { newClickId } from '../../../core/ids.js';
import type { Utm } from '../../../core/links/link.js';
import { activityAt, COUNTRIES, WEEKDAY_ACTIVITY } from './audience.js';
import { BOT_AGENTS, BOT_SHARE, expand, HUMAN_AGENTS, REFERRERS, VISIT_QUERIES } from './browsing.js';
import { CountryAddresses } from './country-addresses.js';
import { hash32, Random, WeightedPick, zipfWeights } from './random.js';
import { HOUR_MS } from '../../../core/time-units.js';

/** Distinct bot clients (crawler addresses, scripts) the bot share is spread over. */
const BOT_CLIENTS = 500;
/** Visitors kept in memory once derived (a repeat visit then costs a Map lookup). */
const VISITOR_CACHE = 500_000;

/** The link fields a click carries. */
export interface SyntheticLink {
  id: string;
  workspaceId: string;
  domain: string;
  utm: Utm;
}

export interface SyntheticClicksOptions {
  links: readonly SyntheticLink[];
  clicks: number;
  /** Epoch ms; clicks fall in [from, to). */
  from: number;
  to: number;
  seed: number;
  /** Size of the visitor pool (default clicks / 3): repeat visits make unique visitors fewer than clicks. */
  visitors?: number;
  /** Zipf exponent of link popularity (default 1: the top 1% of links get about half the clicks). */
  linkSkew?: number;
}

export interface SyntheticHour {
  start: number;
  clicks: number;
}

interface Visitor { ip: string; userAgent: string; acceptLanguage: string }

/**
 * Realistic synthetic clicks, in time order, reproducible from a seed: Zipf over links; a
 * diurnal and weekly rhythm that follows each country's local time; countries, browsers,
 * referrers and campaign parameters weighted like real traffic (audience.ts, browsing.ts);
 * a few per cent bots; and a pool of visitors (address + browser) who come back, so that
 * there are fewer unique visitors than clicks. Every hour draws from its own stream, so the
 * output does not depend on how it is batched.
 */
export class SyntheticClicks {
  private readonly countries: typeof COUNTRIES;
  /** Country choice per UTC hour of the day: weighted by share and local activity. */
  private readonly countryAt: WeightedPick[];
  private readonly poolSizes: number[];
  private readonly linkOrder: SyntheticLink[];
  private readonly linkPick: WeightedPick;
  private readonly humanAgents = new WeightedPick(HUMAN_AGENTS.map(([, w]) => w));
  private readonly botAgents = new WeightedPick(BOT_AGENTS.map(([, w]) => w));
  private readonly referrers = new WeightedPick(REFERRERS.map(([, w]) => w));
  private readonly queries = new WeightedPick(VISIT_QUERIES.map(([, w]) => w));
  private readonly languages: WeightedPick[];
  private readonly visitors = new Map<number, Visitor>();

  private readonly options: SyntheticClicksOptions;

  constructor(options: SyntheticClicksOptions, private readonly addresses = CountryAddresses.build()) {
    // Click times are whole milliseconds (click ids and stored times have no fractions).
    this.options = options = { ...options, from: Math.ceil(options.from), to: Math.ceil(options.to) };
    if (options.links.length === 0) throw new Error('synthetic clicks need at least one link');
    if (!(options.to > options.from)) throw new Error('synthetic clicks need a time range with to > from');
    this.countries = COUNTRIES.filter((c) => addresses.has(c.code));
    this.countryAt = Array.from({ length: 24 }, (_, h) => new WeightedPick(this.countries.map((c) => c.share * activityAt(c, h))));
    this.languages = this.countries.map((c) => new WeightedPick(c.languages.map(([, w]) => w)));
    const pool = Math.max(1, options.visitors ?? Math.ceil(options.clicks / 3));
    const shares = this.countries.reduce((s, c) => s + c.share, 0);
    this.poolSizes = this.countries.map((c) => Math.max(1, Math.round((pool * c.share) / shares)));
    // Popularity ranks are dealt to the links in a seeded order, not in the order given.
    const shuffle = new Random(hash32(options.seed, 0x11));
    this.linkOrder = [...options.links];
    for (let i = this.linkOrder.length - 1; i > 0; i--) {
      const j = shuffle.int(i + 1);
      [this.linkOrder[i], this.linkOrder[j]] = [this.linkOrder[j]!, this.linkOrder[i]!];
    }
    this.linkPick = new WeightedPick(zipfWeights(this.linkOrder.length, options.linkSkew ?? 1));
  }

  /** How many clicks fall in each UTC hour of the range (summing to the total), in order. */
  hours(): SyntheticHour[] {
    const { from, to, clicks, seed } = this.options;
    const hours: Array<{ start: number; weight: number }> = [];
    for (let start = Math.floor(from / HOUR_MS) * HOUR_MS; start < to; start += HOUR_MS) {
      const covered = (Math.min(to, start + HOUR_MS) - Math.max(from, start)) / HOUR_MS;
      const date = new Date(start);
      const utcHour = date.getUTCHours();
      const rhythm = this.countries.reduce((s, c) => s + c.share * activityAt(c, utcHour), 0) * WEEKDAY_ACTIVITY[date.getUTCDay()]!;
      // ±15% from hour to hour: real traffic is never a smooth curve.
      const r = new Random(hash32(seed, 0x22, start / HOUR_MS));
      const noise = Math.exp(0.15 * Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next()));
      hours.push({ start, weight: covered * rhythm * noise });
    }
    // Largest remainder: integer counts proportional to the weights, adding up exactly.
    const total = hours.reduce((s, h) => s + h.weight, 0);
    const exact = hours.map((h) => (clicks * h.weight) / total);
    const counts = exact.map(Math.floor);
    let left = clicks - counts.reduce((s, n) => s + n, 0);
    const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
    for (let k = 0; left > 0; k++, left--) counts[byRemainder[k % byRemainder.length]![1]]!++;
    return hours.map((h, i) => ({ start: h.start, clicks: counts[i]! }));
  }

  /** Every click of the range in time order, in batches of at most `size` that never span two hours. */
  *batches(size: number): Generator<CapturedClick[]> {
    for (const hour of this.hours()) {
      const clicks = this.hour(hour);
      for (let i = 0; i < clicks.length; i += size) yield clicks.slice(i, i + size);
    }
  }

  /** The clicks of one hour (as given by hours()), sorted by time. */
  hour(hour: SyntheticHour): CapturedClick[] {
    const { from, to, seed } = this.options;
    const r = new Random(hash32(seed, 0x33, hour.start / HOUR_MS));
    const start = Math.max(from, hour.start);
    const span = Math.min(to, hour.start + HOUR_MS) - start;
    const times = Float64Array.from({ length: hour.clicks }, () => start + Math.floor(r.next() * span)).sort();
    const countries = this.countryAt[new Date(hour.start).getUTCHours()]!;
    const out = new Array<CapturedClick>(hour.clicks);
    for (let i = 0; i < hour.clicks; i++) {
      const visitor = r.next() < BOT_SHARE ? this.bot(r.int(BOT_CLIENTS)) : this.human(countries.index(r.next()), r.next());
      const link = this.linkOrder[this.linkPick.index(r.next())]!;
      const [referrer, , referrerSpread] = REFERRERS[this.referrers.index(r.next())]!;
      const [query, , querySpread] = VISIT_QUERIES[this.queries.index(r.next())]!;
      const at = times[i]!;
      out[i] = {
        id: newClickId(at), at, workspaceId: link.workspaceId, linkId: link.id, domain: link.domain,
        ip: visitor.ip, userAgent: visitor.userAgent, acceptLanguage: visitor.acceptLanguage,
        referer: expand(referrer, r.int(referrerSpread)), query: expand(query, r.int(querySpread)), linkUtm: link.utm,
      };
    }
    return out;
  }

  /**
   * Visitor k of a country's pool, drawn as pool * u²: low indices come back often, high ones
   * rarely, like a site's loyal readers and one-off visitors.
   */
  private human(country: number, u: number): Visitor {
    const k = Math.floor(this.poolSizes[country]! * u * u);
    const key = country * 0x1_0000_0000 + k;
    let visitor = this.visitors.get(key);
    if (!visitor) {
      const r = new Random(hash32(this.options.seed, 0x44, country, k));
      visitor = {
        userAgent: HUMAN_AGENTS[this.humanAgents.index(r.next())]![0],
        ip: this.addresses.address(this.countries[country]!.code, r),
        acceptLanguage: this.countries[country]!.languages[this.languages[country]!.index(r.next())]![0],
      };
      this.remember(key, visitor);
    }
    return visitor;
  }

  /** Bot client k: mostly crawlers from the US; scripts send no Accept-Language. */
  private bot(k: number): Visitor {
    const key = -1 - k;
    let visitor = this.visitors.get(key);
    if (!visitor) {
      const r = new Random(hash32(this.options.seed, 0x55, k));
      const country = r.next() < 0.6 ? 'US' : this.countries[this.countryAt[12]!.index(r.next())]!.code;
      visitor = { userAgent: BOT_AGENTS[this.botAgents.index(r.next())]![0], ip: this.addresses.address(this.addresses.has(country) ? country : '', r), acceptLanguage: '' };
      this.remember(key, visitor);
    }
    return visitor;
  }

  private remember(key: number, visitor: Visitor): void {
    if (this.visitors.size >= VISITOR_CACHE) this.visitors.clear();
    this.visitors.set(key, visitor);
  }
}
