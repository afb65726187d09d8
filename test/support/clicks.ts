import { randomBytes } from 'node:crypto';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { newClickId } from '../../src/core/ids.js';

let visitorSequence = 0;

/** A random visitor id, as the keyed hash of a real visit would be. */
export const randomVisitorId = (): string => randomBytes(16).toString('hex');

/**
 * A visitor id whose first 12 bits (the HLL register index) differ from the previous 4,095,
 * for tests that assert an exact count of a few visitors: four random ids share a register
 * about once in 700 runs, and the count would then read 3. Not for estimator-accuracy tests:
 * ids spread evenly over the registers are not what HLL's bias correction assumes.
 */
export function distinctVisitorId(): string {
  const index = visitorSequence++ % 4096;
  return index.toString(16).padStart(3, '0') + randomBytes(15).toString('hex').slice(1);
}

/** A stored-click event with neutral values; every field may be overridden. */
export function buildClick(workspaceId: string, linkId: string, at: number, fields: Partial<ClickEvent> = {}): ClickEvent {
  return {
    id: newClickId(at), at: new Date(at), workspaceId, linkId, domain: '', referrer: null, referrerHost: null, country: 'DE',
    device: 'desktop', browser: 'Firefox', os: 'Linux', language: 'de', utmSource: null, utmMedium: null, utmCampaign: null,
    utmTerm: null, utmContent: null, bot: false, visitorId: randomVisitorId(), ...fields,
  };
}

/** (at, id): the order of the export. */
export const byTimeAndId = (a: ClickEvent, b: ClickEvent) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
