import { randomBytes } from 'node:crypto';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { newClickId } from '../../src/core/ids.js';

/** A stored-click event with neutral values; every field may be overridden. */
export function buildClick(workspaceId: string, linkId: string, at: number, fields: Partial<ClickEvent> = {}): ClickEvent {
  return {
    id: newClickId(at), at: new Date(at), workspaceId, linkId, domain: '', referrer: null, referrerHost: null, country: 'DE',
    device: 'desktop', browser: 'Firefox', os: 'Linux', language: 'de', utmSource: null, utmMedium: null, utmCampaign: null,
    utmTerm: null, utmContent: null, bot: false, visitorId: randomBytes(16).toString('hex'), ...fields,
  };
}

/** (at, id): the order of the export. */
export const byTimeAndId = (a: ClickEvent, b: ClickEvent) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
