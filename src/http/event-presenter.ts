import type { LiveEvent } from '../core/events/live-event.js';
import { ClickPresenter } from './click-presenter.js';

/** A live event as the API sends it: the SPEC §5 envelope around the presented object. */
export class EventPresenter {
  private readonly clicks: ClickPresenter;

  constructor(baseUrl: URL) {
    this.clicks = new ClickPresenter(baseUrl);
  }

  present(event: LiveEvent) {
    return { type: event.type, timestamp: event.timestamp.toISOString(), data: this.clicks.present(event.data) };
  }
}
