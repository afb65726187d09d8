import type { CapturedClick } from '../analytics/click.js';

/** Takes the clicks the hot path serves without it waiting on storage (the click buffer). */
export interface ClickRecorder {
  /** With `onWritten`, the recorder calls it once the click is durable (see ClickBuffer.capture). */
  capture(click: CapturedClick, onWritten?: () => void): void;
  /** Clicks captured but not yet stored, so a freshly loaded link still sees them. */
  pending(linkId: string): number;
}

/** What a redirect's request says about the visit; the HTTP layer fills it in. */
export interface Visit {
  /** '' is the instance's default domain. */
  domain: string;
  /** Client address as decided by CURT_TRUST_PROXY. */
  ip: string;
  userAgent: string;
  referer: string;
  acceptLanguage: string;
  /** The visit's query string, without '?'. */
  query: string;
}
