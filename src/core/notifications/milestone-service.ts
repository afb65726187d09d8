import type { ClickEvent } from '../analytics/click.js';
import { requireScope, type Actor } from '../auth/actor.js';
import { invalid, notFound } from '../errors.js';
import type { JobDefinition } from '../jobs/ports.js';
import type { LinkRepository } from '../links/ports.js';
import type { RecipientDirectory } from './notification.js';
import type { NotificationService } from './notification-service.js';

export const MILESTONE_MAX = 10;
export const MILESTONE_CHECK_JOB = 'notification.milestones';

export interface Milestone { threshold: number; reachedAt: Date | null }

/** A milestone whose threshold the link's clicks crossed, with what the message needs. */
export interface CrossedMilestone {
  linkId: string;
  workspaceId: string;
  threshold: number;
  createdBy: string | null;
  clicks: number;
  domain: string;
  slug: string;
  url: string;
}

export interface MilestoneRepository {
  list(linkId: string): Promise<Milestone[]>;
  /** Replaces the link's thresholds (kept ones keep their state); those already below `clicks` count as reached, unannounced. */
  replace(link: { id: string; workspaceId: string }, thresholds: readonly number[], userId: string, at: Date): Promise<Milestone[]>;
  /** Links having a milestone not reached yet. */
  pendingLinks(): Promise<string[]>;
  /**
   * Atomically sets reached_at on every unreached milestone whose threshold the link's clicks
   * have crossed (of these links, or all links for null), returning each row to exactly one caller.
   */
  claimCrossed(linkIds: readonly string[] | null, at: Date): Promise<CrossedMilestone[]>;
  /** Reached before `before` but never marked notified (the notifier died in between). */
  unannounced(before: Date): Promise<CrossedMilestone[]>;
  markNotified(linkId: string, threshold: number, at: Date): Promise<void>;
}

/**
 * Click milestones (SPEC §5): a user sets thresholds on a link and is notified once when its
 * click counter crosses each. Ingest tells `clicksStored` about every stored batch; only links
 * in the cached set of links with pending milestones cost a query, so ingest of other links is
 * untouched. The `notification.milestones` job (recurring) sweeps every link: it catches a
 * milestone set on another instance before this one's cache refresh, and a claimed milestone
 * whose notification was lost. Notifying is keyed by link and threshold, so a re-announcement
 * adds nothing.
 */
export class MilestoneService {
  private pending = new Set<string>();
  private checking: Promise<void> = Promise.resolve();

  constructor(private readonly deps: {
    milestones: MilestoneRepository;
    links: LinkRepository;
    notifications: NotificationService;
    directory: RecipientDirectory;
    baseUrl: URL;
    onError: (error: unknown) => void;
    now?: () => Date;
  }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async get(actor: Actor, linkId: string): Promise<Milestone[]> {
    requireScope(actor, 'links:read');
    await this.link(actor, linkId);
    return this.deps.milestones.list(linkId);
  }

  async set(actor: Actor, linkId: string, thresholds: unknown): Promise<Milestone[]> {
    requireScope(actor, 'links:write');
    const clean = checkThresholds(thresholds);
    const link = await this.link(actor, linkId);
    const milestones = await this.deps.milestones.replace(link, clean, actor.userId, this.now());
    if (milestones.some((m) => m.reachedAt === null)) this.pending.add(linkId);
    return milestones;
  }

  /** Reloads the set of links with pending milestones (at start and every ~30 s). */
  async refresh(): Promise<void> {
    this.pending = new Set(await this.deps.milestones.pendingLinks());
  }

  /** The ingest listener: cheap unless a stored click is on a link with pending milestones. */
  clicksStored(events: readonly ClickEvent[]): void {
    if (this.pending.size === 0) return;
    const ids = new Set<string>();
    for (const e of events) if (this.pending.has(e.linkId)) ids.add(e.linkId);
    if (ids.size === 0) return;
    this.checking = this.checking.then(async () => { await this.check([...ids]); }).catch(this.deps.onError);
  }

  /** Waits for the checks started by clicksStored (tests, shutdown). */
  idle(): Promise<void> {
    return this.checking;
  }

  /** Claims crossed milestones of these links (all links for null) and notifies their owners. */
  async check(linkIds: readonly string[] | null): Promise<number> {
    const now = this.now();
    const crossed = await this.deps.milestones.claimCrossed(linkIds, now);
    const stale = linkIds === null ? await this.deps.milestones.unannounced(new Date(now.getTime() - 60_000)) : [];
    for (const m of [...crossed, ...stale]) await this.announce(m);
    if (linkIds === null) await this.refresh();
    return crossed.length;
  }

  definition(): JobDefinition {
    return { name: MILESTONE_CHECK_JOB, maxAttempts: 3, handler: async () => { await this.check(null); } };
  }

  private async announce(m: CrossedMilestone): Promise<void> {
    const recipients = m.createdBy ? [m.createdBy] : await this.deps.directory.admins(m.workspaceId);
    const origin = m.domain === '' ? this.deps.baseUrl.origin : `https://${m.domain}`;
    await this.deps.notifications.notify(recipients, {
      type: 'link.milestone', workspaceId: m.workspaceId, dedupeKey: `milestone:${m.linkId}:${m.threshold}`,
      data: { linkId: m.linkId, shortUrl: `${origin}/${m.slug}`, url: m.url, threshold: m.threshold, clicks: m.clicks },
    });
    await this.deps.milestones.markNotified(m.linkId, m.threshold, this.now());
  }

  private async link(actor: Actor, linkId: string) {
    const link = await this.deps.links.findById(actor.workspaceId, linkId);
    if (!link) throw notFound('link');
    return link;
  }
}

function checkThresholds(value: unknown): number[] {
  if (!Array.isArray(value)) throw invalid([{ pointer: '/thresholds', detail: 'must be an array of click counts' }]);
  if (value.length > MILESTONE_MAX) throw invalid([{ pointer: '/thresholds', detail: `must have at most ${MILESTONE_MAX} entries` }]);
  const errors = value.flatMap((v, i) => (Number.isSafeInteger(v) && (v as number) > 0 ? [] : [{ pointer: `/thresholds/${i}`, detail: 'must be a positive integer' }]));
  if (errors.length > 0) throw invalid(errors);
  return [...new Set(value as number[])].sort((a, b) => a - b);
}
