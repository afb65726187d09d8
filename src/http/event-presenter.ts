import type { LiveEvent } from '../core/events/live-event.js';
import { ClickPresenter } from './click-presenter.js';

/** A live event as the API sends it: the SPEC §5 envelope around the presented object. */
export class EventPresenter {
  private readonly clicks: ClickPresenter;

  constructor(baseUrl: URL) {
    this.clicks = new ClickPresenter(baseUrl);
  }

  present(event: LiveEvent) {
    const timestamp = event.timestamp.toISOString();
    // link.* events carry the link already presented (the outbox stored the API's view).
    if (event.type !== 'link.clicked') return { type: event.type, timestamp, data: event.data };
    return { type: event.type, timestamp, data: this.clicks.present(event.data) };
  }
}
