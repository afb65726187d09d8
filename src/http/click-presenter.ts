import type { ClickEvent } from '../core/analytics/click.js';

export type ClickView = ReturnType<ClickPresenter['present']>;

/** The columns of an exported click, in order: the SPEC §3 event without its workspace. */
export const CLICK_COLUMNS = [
  'id', 'at', 'linkId', 'domain', 'referrer', 'referrerHost', 'country', 'device', 'browser', 'os', 'language',
  'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'bot', 'visitorId',
] as const satisfies ReadonlyArray<keyof ClickView>;

/**
 * Shapes a click for the API (export rows and live events alike): camelCase, ISO time, the
 * default domain made explicit as in links. The workspace is the caller's own and left out.
 */
export class ClickPresenter {
  constructor(private readonly baseUrl: URL) {}

  present(click: ClickEvent) {
    return {
      id: click.id, at: click.at.toISOString(), linkId: click.linkId, domain: click.domain === '' ? this.baseUrl.host : click.domain,
      referrer: click.referrer, referrerHost: click.referrerHost, country: click.country, device: click.device,
      browser: click.browser, os: click.os, language: click.language, utmSource: click.utmSource, utmMedium: click.utmMedium,
      utmCampaign: click.utmCampaign, utmTerm: click.utmTerm, utmContent: click.utmContent, bot: click.bot, visitorId: click.visitorId,
    };
  }
}
