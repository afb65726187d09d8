import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LiveEvent } from '../../core/events/live-event.js';
import type { EventFeed, LiveEventListener, Unsubscribe } from '../../core/events/ports.js';
import { MemoryEventFeed } from '../events/event-feed.memory.js';
import { decodeFeedMessage, encodeFeedMessage } from './live-event-json.js';

export interface RedisEventFeedOptions {
  /** Prefix of the pub/sub channels (default "curt:"): one Redis can serve several deployments. */
  channelPrefix?: string;
  /** Told of Redis failures; the feed carries on (local delivery never depends on Redis). */
  onError?: (error: unknown) => void;
  /** Longest subscribe() waits for Redis to confirm a new channel (default 2000 ms). */
  subscribeTimeoutMs?: number;
}

/**
 * The live feed across instances. Every instance delivers its own events to its own listeners
 * at once, and publishes them on one channel per workspace; messages carry the publishing
 * instance's id, so an instance ignores its own and nothing is delivered twice. An instance
 * subscribes only to the channels of workspaces that have a listener on it, so it never
 * decodes other workspaces' traffic. ioredis resubscribes after a reconnect.
 *
 * While the publishing connection is down, events for other instances are dropped (counted),
 * never queued: the feed is best effort and its memory stays bounded through an outage.
 */
export class RedisEventFeed implements EventFeed {
  /** Events not sent to Redis because the connection was down. */
  dropped = 0;
  private readonly origin = randomUUID();
  private readonly local = new MemoryEventFeed();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly ownsPublisher: boolean;
  private readonly channels = new Map<string, { listeners: number; ready: Promise<void> }>();
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;
  private readonly subscribeTimeoutMs: number;
  private closed = false;

  /** `connection`: a redis:// URL (the feed owns its connections), or an ioredis client to share for publishing. */
  constructor(connection: string | Redis, options: RedisEventFeedOptions = {}) {
    this.prefix = options.channelPrefix ?? 'curt:';
    this.onError = options.onError ?? (() => {});
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? 2000;
    this.ownsPublisher = typeof connection === 'string';
    this.publisher = typeof connection === 'string' ? new Redis(connection) : connection;
    // A connection in subscriber mode can do nothing else, so it is always a dedicated one. Its
    // (un)subscribe commands wait out an outage in order instead of failing after a few retries.
    this.subscriber = this.publisher.duplicate({ maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel: string, text: string) => this.received(text));
    this.subscriber.on('error', this.onError);
    if (this.ownsPublisher) this.publisher.on('error', this.onError);
  }

  publish(events: readonly LiveEvent[]): void {
    if (events.length === 0) return;
    this.local.publish(events);
    if (this.closed || this.publisher.status !== 'ready') {
      this.dropped += events.length;
      return;
    }
    const byWorkspace = new Map<string, LiveEvent[]>();
    for (const event of events) {
      const list = byWorkspace.get(event.workspaceId);
      if (list) list.push(event);
      else byWorkspace.set(event.workspaceId, [event]);
    }
    const pipeline = this.publisher.pipeline();
    for (const [workspaceId, list] of byWorkspace) pipeline.publish(this.channel(workspaceId), encodeFeedMessage({ origin: this.origin, events: list }));
    pipeline.exec().catch(this.onError);
  }

  async subscribe(workspaceId: string, listener: LiveEventListener): Promise<Unsubscribe> {
    const off = this.local.add(workspaceId, listener);
    let channel = this.channels.get(workspaceId);
    if (!channel) {
      const ready = this.closed ? Promise.resolve() : this.subscriber.subscribe(this.channel(workspaceId)).then(() => {}, this.onError);
      this.channels.set(workspaceId, channel = { listeners: 0, ready });
    }
    channel.listeners++;
    let active = true;
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      off();
      if (--channel.listeners > 0 || this.channels.get(workspaceId) !== channel) return;
      this.channels.delete(workspaceId);
      if (!this.closed) this.subscriber.unsubscribe(this.channel(workspaceId)).catch(this.onError);
    };
    await within(channel.ready, this.subscribeTimeoutMs);
    return unsubscribe;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await Promise.all([disconnect(this.subscriber), this.ownsPublisher ? disconnect(this.publisher) : undefined]);
  }

  private received(text: string): void {
    const message = decodeFeedMessage(text);
    if (message === null || message.origin === this.origin) return;
    // The local feed routes by each event's own workspace, whatever channel it came on.
    this.local.publish(message.events);
  }

  private channel(workspaceId: string): string {
    return `${this.prefix}events:${workspaceId}`;
  }
}

/** Waits for `promise`, but no longer than `ms`: a Redis outage must not hold a client's stream. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
  try { await Promise.race([promise, timeout]); } finally { clearTimeout(timer); }
}

async function disconnect(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try { await redis.quit(); return; } catch { /* fall through */ }
  }
  redis.disconnect();
}
