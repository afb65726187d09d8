import type { Link } from '../core/links/link.js';
import { linkView } from '../core/links/link-view.js';

export type LinkView = ReturnType<LinkPresenter['present']>;

/** Shapes a link for the API: default domain made explicit, password hidden (the same view events carry). */
export class LinkPresenter {
  constructor(private readonly baseUrl: URL) {}

  present(link: Link) {
    return linkView(link, this.baseUrl);
  }
}
