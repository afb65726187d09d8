import type { ClickEvent } from '../analytics/click.js';
import type { DomainEvent } from '../events/domain-event.js';
import { newId } from '../ids.js';
import type { EventStore, LinkTags, WebhookRepository } from './webhook.js';

export interface ClickWebhookOptions {
  /** Clicks per link.clicked event; a larger batch becomes several events. */
  maxClicksPerEvent?: number;
  /** How long the set of subscribed workspaces is trusted (changes on this instance refresh it at once). */
  refreshMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * link.clicked for webhooks, batched: clicks never pass through the outbox one by one (ingest
 * runs at tens of thousands per second). After an ingest batch commits, each workspace with an
 * enabled link.clicked webhook gets ONE event per batch (split every 500 clicks) whose data is
 * `{ clicks: [...] }`, each click with its link's tags so link/tag filters narrow it per webhook.
 * Recorded after the click transaction: a crash between the two loses that batch's webhook.
 */
export class ClickWebhooks {
  private subscribed: Promise<Set<string>> | null = null;
  private loadedAt = 0;
  private readonly maxClicks: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly links: LinkTags,
    private readonly events: EventStore,
    private readonly options: ClickWebhookOptions = {},
  ) {
    this.maxClicks = options.maxClicksPerEvent ?? 500;
    this.refreshMs = options.refreshMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** A webhook changed on this instance: reload the subscribed workspaces on the next batch. */
  invalidate(): void {
    this.subscribed = null;
  }

  /** The ClickIngest listener: never throws, never holds up ingest; errors go to onError. */
  readonly listener = (clicks: readonly ClickEvent[]): void => {
    this.pending = this.pending.then(async () => { await this.record(clicks); }).catch((error: unknown) => this.options.onError?.(error));
  };

  /** Resolves once every batch heard so far is recorded (tests, graceful stop). */
  idle(): Promise<void> {
    return this.pending;
  }

  async record(clicks: readonly ClickEvent[]): Promise<DomainEvent[]> {
    const subscribed = await this.workspaces();
    if (subscribed.size === 0) return [];
    const byWorkspace = new Map<string, ClickEvent[]>();
    for (const click of clicks) {
      if (!subscribed.has(click.workspaceId)) continue;
      const list = byWorkspace.get(click.workspaceId);
      if (list) list.push(click);
      else byWorkspace.set(click.workspaceId, [click]);
    }
    const events: DomainEvent[] = [];
    for (const [workspaceId, list] of byWorkspace) {
      const tags = await this.links.tagsOf(workspaceId, [...new Set(list.map((c) => c.linkId))]);
      for (let i = 0; i < list.length; i += this.maxClicks) {
        const part = list.slice(i, i + this.maxClicks);
        const linkIds = new Set(part.map((c) => c.linkId));
        events.push({
          id: newId('evt'), type: 'link.clicked', workspaceId, timestamp: part.at(-1)!.at,
          data: { clicks: part.map((c) => ({ ...c, at: c.at.toISOString(), tags: tags.get(c.linkId) ?? [] })) },
          linkId: linkIds.size === 1 ? part[0]!.linkId : null,
          tags: [...new Set(part.flatMap((c) => tags.get(c.linkId) ?? []))],
        });
      }
    }
    if (events.length > 0) await this.events.record(events);
    return events;
  }

  private workspaces(): Promise<Set<string>> {
    if (this.subscribed === null || this.now() - this.loadedAt > this.refreshMs) {
      this.loadedAt = this.now();
      const loading = this.webhooks.workspacesSubscribed('link.clicked').then((ids) => new Set(ids));
      loading.catch(() => { if (this.subscribed === loading) this.subscribed = null; });
      this.subscribed = loading;
    }
    return this.subscribed;
  }
}
