import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export interface InvalidationHandlers {
  /** Another instance changed this link (created, updated, deleted): drop it from the cache. */
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
  onError?: (error: unknown) => void;
}

type Message = { origin: string; kind: 'link'; domain: string; slug: string } | { origin: string; kind: 'domains' };

/**
 * Cache invalidation across instances over Redis pub/sub: a committed change is applied to
 * the local cache at once and published; every other instance drops the entry when the message
 * arrives (well within the 1 s SPEC §6 allows). Pub/sub does not queue for a disconnected
 * subscriber, so when the subscription comes back after an outage the instance drops its whole
 * cache instead (resync). While the publishing connection is down, messages are not sent; the
 * other instances' subscriptions are then down too, and they resync on reconnect.
 */
export class RedisInvalidationBus {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis | null;
  private readonly onError: (error: unknown) => void;
  private subscribedBefore = false;
  /** Other instances' changes applied so far. */
  applied = 0;

  constructor(url: string, private readonly handlers: InvalidationHandlers, options: RedisInvalidationOptions) {
    this.channel = `${options.prefix}invalidate`;
    this.onError = options.onError ?? (() => {});
    // No offline queue: a change made while Redis is down is not replayed later, out of order.
    this.publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.publisher.on('error', this.onError);
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

  link(domain: string, slug: string): void {
    this.send({ origin: this.origin, kind: 'link', domain, slug });
  }

  domains(): void {
    this.send({ origin: this.origin, kind: 'domains' });
  }

  /** Tests: drop the subscription's connection as an outage would (ioredis reconnects). */
  simulateOutage(): void {
    this.subscriber?.disconnect(true);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.publisher.disconnect();
  }

  private send(message: Message): void {
    if (this.publisher.status !== 'ready') return;
    this.publisher.publish(this.channel, JSON.stringify(message)).catch(this.onError);
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
    else if (message.kind === 'domains') this.handlers.domains();
    else return;
    this.applied++;
  }
}
