import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CapturedClick } from '../../core/analytics/click.js';
import { INGEST_BATCH } from '../../core/analytics/click-ingest.js';
import type { ClickSink } from '../../core/analytics/ports.js';
import { clickEntryPieces, type EntryCursor } from './click-stream-entries.js';

/** Stream entries are [id, [field, value, …]]. */
type Entry = [string, string[]];
type ReadReply = [string, Entry[]][] | null;

export interface ClickStreamOptions {
  /** Stream key, e.g. "curt:clicks". */
  key: string;
  group?: string;
  /** Stream entries read per XREADGROUP. Each entry is one serving process's batch. */
  count?: number;
  /** Entries left pending this long by a consumer (crashed mid-ingest) are claimed by another. */
  claimIdleMs?: number;
  blockMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Serving side: each batch of captured clicks becomes one stream entry (XADD). The buffer
 * releases the held responses only after Redis acknowledged it, so a serving process killed
 * at any moment has handed every served click to Redis. Commands fail fast while Redis is
 * down (no offline queue): the buffer then keeps the clicks and redirects keep being served.
 */
export class RedisClickSink implements ClickSink {
  constructor(private readonly redis: Redis, private readonly key: string) {}

  async write(batch: CapturedClick[]): Promise<void> {
    await this.redis.xadd(this.key, '*', 'c', JSON.stringify(batch));
  }
}

/**
 * Ingest side: a consumer-group reader. Entries are acknowledged (and deleted, so client
 * addresses do not linger in Redis) only after their clicks are committed to the database;
 * ingest is idempotent on click ids, so an entry delivered twice never counts twice. Entries a
 * crashed consumer left pending are claimed after `claimIdleMs` (XAUTOCLAIM).
 */
export class RedisClickConsumer {
  private readonly group: string;
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Settles (rejected) once stop() gives up on Redis; every Redis wait of the loop races it. */
  private readonly abandoned: Promise<never>;
  private abandon: () => void = () => {};

  constructor(
    /** A connection of its own: XREADGROUP BLOCK holds it. */
    private readonly redis: Redis,
    /** Stores one batch, handed over as pieces decoded when read (ClickIngest.ingestPieces). */
    private readonly ingest: (pieces: Iterable<readonly CapturedClick[]>) => Promise<unknown>,
    private readonly options: ClickStreamOptions,
  ) {
    this.group = options.group ?? 'ingest';
    this.abandoned = new Promise<never>((_resolve, reject) => { this.abandon = () => reject(new Error('click stream consumer stopped')); });
    this.abandoned.catch(() => {}); // only ever raced, never awaited alone
  }

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * Finishes the entries in hand, then stops reading (within one block interval). The connection
   * waits out outages (maxRetriesPerRequest: null), and ioredis never fails the commands queued
   * while it is reconnecting, not even on disconnect(): so when Redis is unreachable, or stops
   * answering, stop() abandons the loop's Redis wait instead of waiting for Redis forever (a
   * SIGTERM used to hang until the 15 s forced exit). A batch already read finishes its database
   * write; if its acknowledgement is abandoned the entries stay pending, another consumer claims
   * them and ingest skips the click ids already stored.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    const giveUp = () => this.abandon();
    let timer: NodeJS.Timeout | undefined;
    if (this.redis.status !== 'ready') giveUp();
    else {
      this.redis.once('close', giveUp);
      // A reachable Redis answers the blocked read within blockMs; past a generous margin it is hung.
      timer = setTimeout(giveUp, (this.options.blockMs ?? 1000) + 5000);
    }
    try {
      await this.running;
    } finally {
      clearTimeout(timer);
      this.redis.off('close', giveUp);
    }
  }

  /** The pause between failed rounds, cut short by stop(). */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => { timer = setTimeout(resolve, ms); }), this.abandoned.catch(() => {})]);
    clearTimeout(timer);
  }

  /** A Redis command of the loop, given up on when stop() abandons Redis. */
  private wait<T>(command: Promise<T>): Promise<T> {
    command.catch(() => {}); // an abandoned command may still fail later, unheard
    return Promise.race([command, this.abandoned]);
  }

  /**
   * Reads the next entries while the ones before are still being stored: their clicks are
   * enriched and prepared while the previous batch's transaction runs (ClickIngest), so the
   * process and PostgreSQL work at the same time. At most two reads are in hand.
   */
  private async loop(): Promise<void> {
    let retryOwn = true; // first, anything this consumer name left pending (none for a fresh name)
    let lastClaim = 0;
    let storing: Promise<void> | null = null;
    while (!this.stopped) {
      try {
        await this.ensureGroup();
        if (Date.now() - lastClaim >= (this.options.claimIdleMs ?? 30_000) / 2) {
          lastClaim = Date.now();
          await this.claimAbandoned();
        }
        const reply = await this.wait(this.redis.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.options.count ?? 500,
          'BLOCK', this.options.blockMs ?? 1000, 'STREAMS', this.options.key, retryOwn ? '0' : '>')) as ReadReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (retryOwn && entries.length === 0) retryOwn = false;
        const current = this.process(entries);
        current.catch(() => {}); // heard when awaited below
        const before = storing;
        storing = current;
        if (before) await before;
        // The pending list is read again next: it must not hand back entries still being stored.
        if (retryOwn) {
          storing = null;
          await current;
        }
      } catch (error) {
        if (storing) await storing.catch(() => {});
        storing = null;
        if (this.stopped) break;
        this.options.onError?.(error);
        retryOwn = true; // what was read but not acknowledged is retried from this consumer's pending list
        await this.pause(1000);
      }
    }
    if (storing) await storing.catch((error: unknown) => this.options.onError?.(error));
  }

  private groupReady = false;

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.wait(this.redis.xgroup('CREATE', this.options.key, this.group, '0', 'MKSTREAM'));
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.groupReady = true;
  }

  private async claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = await this.wait(this.redis.xautoclaim(this.options.key, this.group, this.consumer,
        this.options.claimIdleMs ?? 30_000, cursor, 'COUNT', this.options.count ?? 500)) as [string, Entry[]];
      await this.process(entries.filter((e) => e !== null && e[1] !== null));
      cursor = next;
    } while (cursor !== '0-0' && !this.stopped);
  }

  private async process(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const json = entries.map(([, fields]) => fields[fields.indexOf('c') + 1]);
    const cursor: EntryCursor = { next: 0 };
    while (cursor.next < json.length) {
      const from = cursor.next;
      await this.ingest(clickEntryPieces(json, cursor, INGEST_BATCH, (error) => this.options.onError?.(error)));
      // Entries not handed over would be acknowledged unread: fail the round, so they are read again.
      if (cursor.next === from) throw new Error('click stream ingest did not read its batch');
    }
    const ids = entries.map(([id]) => id);
    await this.wait(this.redis.multi().xack(this.options.key, this.group, ...ids).xdel(this.options.key, ...ids).exec());
  }
}

/** A connection for the serving side: no offline queue, so a Redis outage fails writes at once. */
export function openSinkConnection(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => {}); // reconnects by itself; failures surface on the commands
  return redis;
}

/** A connection for the blocking reader; commands wait through reconnects. */
export function openConsumerConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  return redis;
}
