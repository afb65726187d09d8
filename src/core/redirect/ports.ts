import type { CapturedClick } from '../analytics/click.js';

/** Takes the clicks the hot path serves without it waiting on storage (the click buffer). */
export interface ClickRecorder {
  /** With `onWritten`, the recorder calls it once the click is durable (see ClickBuffer.capture). */
  capture(click: CapturedClick, onWritten?: () => void): void;
  /** Clicks captured but not yet stored, so a freshly loaded link still sees them. */
  pending(linkId: string): number;
}
