import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import type { EventType } from '../../src/core/events/domain-event.js';
import { ClickWebhooks } from '../../src/core/webhooks/click-webhooks.js';
import { WebhookSubscriber } from '../../src/core/webhooks/webhook-subscriber.js';
import type { Webhook, WebhookRepository } from '../../src/core/webhooks/webhook.js';
import { makeEvent, MemoryEventStore } from '../support/webhooks.js';

const hook = (id: string, fields: Partial<Webhook> = {}): Webhook => ({
  id, workspaceId: 'ws_1', url: 'https://hooks.example.com/', events: ['link.created', 'link.clicked'], linkIds: [], tags: [], enabled: true, disabledReason: null,
  secret: 'whsec_x', previousSecret: null, previousSecretExpiresAt: null, failingSince: null, createdAt: new Date(), updatedAt: new Date(), ...fields,
});

/** Only what planning reads. */
function repoOf(hooks: Webhook[], calls = { workspaces: 0 }): WebhookRepository {
  return {
    subscribed: async (workspaceId: string, type: EventType) => hooks.filter((h) => h.workspaceId === workspaceId && h.enabled && h.events.includes(type)),
    workspacesSubscribed: async (type: EventType) => { calls.workspaces++; return [...new Set(hooks.filter((h) => h.enabled && h.events.includes(type)).map((h) => h.workspaceId))]; },
  } as unknown as WebhookRepository;
}

const click = (id: string, workspaceId: string, linkId: string): ClickEvent => ({
  id, at: new Date('2030-01-01T00:00:00Z'), workspaceId, linkId, domain: '', referrer: null, referrerHost: null, country: null, device: null, browser: null,
  os: null, language: null, utmSource: null, utmMedium: null, utmCampaign: null, utmTerm: null, utmContent: null, bot: false, visitorId: 'v',
});

describe('WebhookSubscriber', () => {
  it('plans one singleton delivery per webhook whose type, link and tag filters match', async () => {
    const subscriber = new WebhookSubscriber(repoOf([
      hook('wh_all'), hook('wh_link', { linkIds: ['lnk_1'] }), hook('wh_otherlink', { linkIds: ['lnk_2'] }),
      hook('wh_tag', { tags: ['promo'] }), hook('wh_both', { linkIds: ['lnk_1'], tags: ['nope'] }), hook('wh_types', { events: ['link.deleted'] }),
      hook('wh_off', { enabled: false }),
    ]));
    const event = makeEvent({ id: 'evt_1', linkId: 'lnk_1', tags: ['promo', 'q1'] });
    const jobs = await subscriber.plan(event);
    assert.deepEqual(jobs.map((j) => j.payload.webhookId), ['wh_all', 'wh_link', 'wh_tag']);
    assert.deepEqual(jobs[0], { name: 'webhook.deliver', payload: { webhookId: 'wh_all', eventId: 'evt_1' }, workspaceId: 'ws_1', singletonKey: 'webhook:wh_all:evt_1' });
    assert.deepEqual(await subscriber.plan(makeEvent({ workspaceId: 'ws_2' })), [], 'other workspaces\' webhooks never match');
  });

  it('matches a link.clicked batch when any of its clicks passes the filters', async () => {
    const subscriber = new WebhookSubscriber(repoOf([hook('wh_a', { linkIds: ['lnk_a'] }), hook('wh_promo', { tags: ['promo'] }), hook('wh_c', { linkIds: ['lnk_c'] })]));
    const event = makeEvent({ type: 'link.clicked', linkId: null, data: { clicks: [{ id: 'c1', linkId: 'lnk_a', tags: [] }, { id: 'c2', linkId: 'lnk_b', tags: ['promo'] }] } });
    assert.deepEqual((await subscriber.plan(event)).map((j) => j.payload.webhookId), ['wh_a', 'wh_promo']);
  });
});

describe('ClickWebhooks (batched link.clicked)', () => {
  const tags = { tagsOf: async (_ws: string, ids: readonly string[]) => new Map(ids.map((id) => [id, id === 'lnk_a' ? ['promo'] : []])) };

  it('records one event per subscribed workspace per batch, split every N clicks, with link tags', async () => {
    const events = new MemoryEventStore();
    const clicks = new ClickWebhooks(repoOf([hook('wh_1'), hook('wh_2', { workspaceId: 'ws_2', events: ['link.created'] })]), tags, events, { maxClicksPerEvent: 2 });
    const batch = [click('c1', 'ws_1', 'lnk_a'), click('c2', 'ws_1', 'lnk_b'), click('c3', 'ws_1', 'lnk_a'), click('c4', 'ws_2', 'lnk_x')];
    clicks.listener(batch);
    await clicks.idle();
    assert.equal(events.recorded.length, 2, 'ws_1: 3 clicks in events of 2; ws_2 has no link.clicked webhook');
    const [first, second] = events.recorded;
    assert.equal(first!.type, 'link.clicked');
    assert.equal(first!.workspaceId, 'ws_1');
    assert.deepEqual((first!.data.clicks as Array<{ id: string; tags: string[] }>).map((c) => [c.id, c.tags]), [['c1', ['promo']], ['c2', []]]);
    assert.equal(first!.linkId, null);
    assert.deepEqual(first!.tags, ['promo']);
    assert.equal(second!.linkId, 'lnk_a', 'a single-link event names its link');
    assert.equal((first!.data.clicks as Array<{ at: string }>)[0]!.at, '2030-01-01T00:00:00.000Z');
  });

  it('caches the subscribed workspaces until invalidated or stale', async () => {
    const calls = { workspaces: 0 };
    const hooks = [hook('wh_1')];
    let now = 0;
    const clicks = new ClickWebhooks(repoOf(hooks, calls), tags, new MemoryEventStore(), { refreshMs: 30_000, now: () => now });
    await clicks.record([click('c1', 'ws_1', 'lnk_a')]);
    await clicks.record([click('c2', 'ws_1', 'lnk_a')]);
    assert.equal(calls.workspaces, 1);
    clicks.invalidate();
    await clicks.record([click('c3', 'ws_1', 'lnk_a')]);
    assert.equal(calls.workspaces, 2);
    now = 31_000;
    await clicks.record([click('c4', 'ws_1', 'lnk_a')]);
    assert.equal(calls.workspaces, 3);
  });

  it('never throws into ingest', async () => {
    const errors: unknown[] = [];
    const failing = { find: async () => null, record: async () => { throw new Error('outbox down'); } };
    const clicks = new ClickWebhooks(repoOf([hook('wh_1')]), tags, failing, { onError: (e) => errors.push(e) });
    clicks.listener([click('c1', 'ws_1', 'lnk_a')]);
    await clicks.idle();
    assert.equal(errors.length, 1);
  });
});
