import type { ClickEvent } from './click.js';

/** The click fields analytics can break down by (SPEC §4 groupBy, besides time and link). */
export const DIMENSIONS = [
  'country', 'referrer', 'referrerHost', 'device', 'browser', 'os', 'language', 'utmSource', 'utmMedium', 'utmCampaign',
] as const satisfies readonly (keyof ClickEvent)[];

export type Dimension = (typeof DIMENSIONS)[number];
