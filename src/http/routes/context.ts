import type { FastifyRequest } from 'fastify';
import type { AnalyticsService } from '../../core/analytics/analytics-service.js';
import type { ApiKeyService } from '../../core/api-keys/api-key-service.js';
import type { ClickExportService } from '../../core/analytics/click-export.js';
import type { AccountService } from '../../core/auth/account-service.js';
import type { Actor } from '../../core/auth/actor.js';
import type { RateLimiter } from '../../core/auth/ports.js';
import { DomainError } from '../../core/errors.js';
import type { DomainService } from '../../core/domains/domain-service.js';
import type { LiveEvents } from '../../core/events/live-events.js';
import type { JobService } from '../../core/jobs/job-service.js';
import type { LinkService } from '../../core/links/link-service.js';
import type { WorkspaceService } from '../../core/workspaces/workspace-service.js';
import type { WebhookService } from '../../core/webhooks/webhook-service.js';
import type { LinkPresenter } from '../link-presenter.js';
import type { MilestoneService } from '../../core/notifications/milestone-service.js';
import type { NotificationService } from '../../core/notifications/notification-service.js';
import type { Guard } from '../plugins/auth.js';
import type { EventStreamOptions } from '../streams/event-stream.js';

/** What route plugins receive from the composition root. */
export interface RouteContext {
  guard: Guard;
  baseUrl: URL;
  secureCookies: boolean;
  accounts: AccountService;
  apiKeys: ApiKeyService;
  links: LinkService;
  domains: DomainService;
  workspaces: WorkspaceService;
  analytics: AnalyticsService;
  presenter: LinkPresenter;
  authIpLimiter: RateLimiter;
  ready: () => Promise<void>;
  clickExport: ClickExportService;
  liveEvents: LiveEvents;
  /** Tuning of GET /events streams (tests shorten the heartbeat). */
  eventStream?: Partial<EventStreamOptions>;
  jobs: JobService;
  webhooks: WebhookService;
  notifications: NotificationService;
  milestones: MilestoneService;
}

/** The guard has run on every route that calls this. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthorized', 'authentication required');
  return request.actor;
}
