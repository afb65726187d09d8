import { randomUUID } from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';

export interface InvalidationHandlers {
  /**
   * This link changed (created, updated, deleted), here or on another instance, and its shared
   * cache entry is gone: drop it from the local cache. For this instance's own changes it is
   * called once the change is published, since a lookup in between may have fetched the old
   * entry from the shared cache again.
   */
  link(domain: string, slug: string): void;
  /** Another instance changed a custom domain: reload the host table. */
  domains(): void;
  /**
   * The subscription came back after an outage: messages may have been missed, so drop the
   * whole local cache (and reload what else is kept from the database).
   */
  resync(): void;
}

export interface RedisInvalidationOptions {
  /** Channel prefix (CURT_REDIS_PREFIX). */
  prefix: string;
  /** Only instances that cache redirects listen; every instance publishes its changes. */
  listen: boolean;
  /** Commands that clear a changed link's shared cache entries, run in the MULTI that publishes it. */
  forgetLink?: (tx: ChainableCommander, domain: string, slug: string) => void;
  onError?: (error: unknown) => void;
}

type Message = { origin: string; kind: 'link'; domain: string; slug: string }
  | { origin: string; kind: 'links'; keys: [domain: string, slug: string][] }
  | { origin: string; kind: 'domains' };

/** Links per message when many change at once (a workspace deleted): one MULTI and one message each. */
const LINKS_PER_MESSAGE = 500;

/** Changes not yet announced while Redis was unreachable; past this many the oldest are given up (their shared entries expire by TTL). */
const MAX_OWED = 10_000;

/**
 * Cache invalidation across instances over Redis pub/sub: a committed change is applied to the
 * local cache at once, then its shared cache entries are cleared and the change published in
 * one MULTI; every other instance drops the entry when the message arrives (well within the 1 s
 * SPEC §6 allows). Pub/sub does not queue for a disconnected subscriber, so when the
 * subscription comes back after an outage the instance drops its whole cache instead (resync).
 * A change that could not be published (Redis unreachable from here) is owed: sent again, with
 * its shared entries cleared, as soon as the publishing connection is back, since a Redis that
 * kept its data, or other instances that could still reach it, would otherwise serve the old link.
 */
export class RedisInvalidationBus {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis | null;
  private readonly onError: (error: unknown) => void;
  private readonly owed = new Map<string, Message>();
  private subscribedBefore = false;
  private retry: NodeJS.Timeout | null = null;
  /** Other instances' changes applied so far. */
  applied = 0;

  constructor(url: string, private readonly handlers: InvalidationHandlers, private readonly options: RedisInvalidationOptions) {
    this.channel = `${options.prefix}invalidate`;
    this.onError = options.onError ?? (() => {});
    // No offline queue: a change made while Redis is down fails at once and is owed instead.
    this.publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.publisher.on('error', this.onError);
    this.publisher.on('ready', () => this.replay());
    this.subscriber = options.listen ? new Redis(url, { maxRetriesPerRequest: null }) : null;
    if (this.subscriber) {
      this.subscriber.on('error', this.onError);
      this.subscriber.on('message', (_channel: string, text: string) => this.received(text));
      // ioredis resubscribes on every reconnect; each (re)subscription after the first is a resync.
      this.subscriber.on('ready', () => {
        if (this.subscribedBefore) this.handlers.resync();
      });
      this.subscriber.subscribe(this.channel).then(() => { this.subscribedBefore = true; }, this.onError);
    }
  }

  /** Resolves once this instance hears other instances' changes. */
  async ready(): Promise<void> {
    if (!this.subscriber) return;
    for (let i = 0; i < 100 && !this.subscribedBefore; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Resolves true once published (shared entries cleared), false when owed for later. */
  link(domain: string, slug: string): Promise<boolean> {
    return this.send({ origin: this.origin, kind: 'link', domain, slug });
  }

  /** Many links at once (a deleted workspace's): chunked messages; resolves true once all are published. */
  async links(keys: readonly { domain: string; slug: string }[]): Promise<boolean> {
    let published = true;
    for (let i = 0; i < keys.length; i += LINKS_PER_MESSAGE) {
      const chunk = keys.slice(i, i + LINKS_PER_MESSAGE).map((k): [string, string] => [k.domain, k.slug]);
      if (!(await this.send({ origin: this.origin, kind: 'links', keys: chunk }))) published = false;
    }
    return published;
  }

  domains(): Promise<boolean> {
    return this.send({ origin: this.origin, kind: 'domains' });
  }

  /** Changes waiting for Redis to come back. */
  get owing(): number {
    return this.owed.size;
  }

  /** Tests: drop the subscription's connection as an outage would (ioredis reconnects). */
  simulateOutage(): void {
    this.subscriber?.disconnect(true);
  }

  async close(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    this.subscriber?.disconnect();
    this.publisher.disconnect();
  }

  private async send(message: Message): Promise<boolean> {
    if (this.publisher.status !== 'ready') return this.owe(message);
    const tx = this.publisher.multi();
    if (message.kind === 'link') this.options.forgetLink?.(tx, message.domain, message.slug);
    if (message.kind === 'links') for (const [domain, slug] of message.keys) this.options.forgetLink?.(tx, domain, slug);
    tx.publish(this.channel, JSON.stringify(message));
    try {
      const results = await tx.exec();
      if (results === null) throw new Error('invalidation transaction aborted');
      // A command that failed inside an executed MULTI (say, a foreign value at a key) would fail
      // every time; the rest, PUBLISH included, ran: report it rather than retry forever.
      for (const [error] of results) if (error) this.onError(error);
    } catch (error) {
      this.onError(error);
      // Still connected (a timeout, say): no 'ready' will come to trigger the replay, so retry shortly.
      if (this.publisher.status === 'ready') this.retry ??= setTimeout(() => { this.retry = null; this.replay(); }, 1000).unref();
      return this.owe(message);
    }
    if (message.kind === 'link') this.handlers.link(message.domain, message.slug);
    if (message.kind === 'links') for (const [domain, slug] of message.keys) this.handlers.link(domain, slug);
    return true;
  }

  /** Invalidations are idempotent and their order does not matter: one owed message per link suffices. */
  private owe(message: Message): false {
    if (message.kind === 'links') {
      for (const [domain, slug] of message.keys) this.owe({ origin: message.origin, kind: 'link', domain, slug });
      return false;
    }
    const key = message.kind === 'link' ? `link:${message.domain}/${message.slug}` : 'domains';
    this.owed.delete(key);
    this.owed.set(key, message);
    if (this.owed.size > MAX_OWED) {
      const oldest = this.owed.keys().next().value!;
      this.owed.delete(oldest);
      this.onError(new Error(`more than ${MAX_OWED} changes made while Redis was unreachable: ${oldest} is not announced again (its shared entries expire by TTL)`));
    }
    return false;
  }

  private replay(): void {
    if (this.owed.size === 0 || this.publisher.status !== 'ready') return;
    const messages = [...this.owed.values()];
    this.owed.clear();
    for (const message of messages) void this.send(message); // one that fails again is owed again
  }

  private received(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      this.onError(new Error('invalidation message is not JSON; ignored'));
      return;
    }
    if (message.origin === this.origin) return;
    if (message.kind === 'link' && typeof message.domain === 'string' && typeof message.slug === 'string') this.handlers.link(message.domain, message.slug);
    else if (message.kind === 'links' && Array.isArray(message.keys)) {
      for (const key of message.keys) if (Array.isArray(key) && typeof key[0] === 'string' && typeof key[1] === 'string') this.handlers.link(key[0], key[1]);
    } else if (message.kind === 'domains') this.handlers.domains();
    else return;
    this.applied++;
  }
}
