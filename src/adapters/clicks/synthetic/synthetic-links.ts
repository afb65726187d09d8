import type { LinkInput } from '../../../core/links/link.js';
import { hash32, Random } from './random.js';

const SITES = ['https://example.com', 'https://shop.example.com', 'https://blog.example.org', 'https://docs.example.net'];
const PAGES = ['pricing', 'launch', 'careers', 'webinar', 'release-notes', 'summer-sale', 'guide', 'podcast', 'signup', 'case-study'];
/** Campaign links carry their own UTM parameters; ingest uses them when the visit brings none. */
const CAMPAIGNS: ReadonlyArray<LinkInput['utm']> = [
  { source: 'newsletter', medium: 'email', campaign: 'weekly' },
  { source: 'instagram', medium: 'social', campaign: 'bio' },
  { source: 'partner', medium: 'referral', campaign: 'affiliates' },
];

/**
 * Link inputs for a seeded workspace (as POST /links would get them): a few sites and kinds
 * of page, a tag on some, and UTM parameters on about one link in ten. Reproducible from the seed.
 */
export function syntheticLinkInputs(count: number, seed: number): LinkInput[] {
  const r = new Random(hash32(seed, 0x66));
  return Array.from({ length: count }, (_, i) => {
    const page = PAGES[r.int(PAGES.length)]!;
    const input: LinkInput = { url: `${SITES[r.int(SITES.length)]}/${page}/${i + 1}?ref=seed`, title: `Seeded ${page.replace('-', ' ')} ${i + 1}`, tags: ['seeded'] };
    if (r.next() < 0.1) input.utm = CAMPAIGNS[r.int(CAMPAIGNS.length)];
    return input;
  });
}
