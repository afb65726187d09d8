import { Readable } from 'node:stream';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from timing the connection out (default 15 s). */
  heartbeatMs: number;
  /** Bytes a client may fall behind by; past it, the client is disconnected (default 1 MiB). */
  maxBufferedBytes: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamOptions = { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024 };

/**
 * One client's text/event-stream body, a Readable that Fastify pipes into the response with
 * backpressure. What the socket cannot take yet waits in this stream's buffer; a client that
 * lets it grow past maxBufferedBytes is dropped (the stream is destroyed, Fastify destroys the
 * response), so a stalled reader can never make the server hold an unbounded backlog.
 */
export class EventStream extends Readable {
  private readonly heartbeat: NodeJS.Timeout;
  private ending = false;

  constructor(private readonly options: EventStreamOptions) {
    super({ highWaterMark: 16 * 1024 });
    this.heartbeat = setInterval(() => this.enqueue(': heartbeat\n\n'), options.heartbeatMs);
    this.heartbeat.unref();
    // Data at once makes Node send the headers, so the client knows it is connected.
    this.enqueue(': connected\n\n');
  }

  /** One SSE message; `data` must be a single line (JSON.stringify output is). */
  send(event: string, id: string, data: string): void {
    this.enqueue(`event: ${event}\nid: ${id}\ndata: ${data}\n\n`);
  }

  /**
   * Ends the response cleanly (server shutdown) so the client sees a complete stream and
   * reconnects elsewhere; a client that does not take the rest within graceMs is cut off.
   */
  async finish(graceMs: number): Promise<void> {
    if (this.destroyed) return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    if (!this.ending) {
      this.ending = true;
      clearInterval(this.heartbeat);
      this.push(null);
    }
    const timer = setTimeout(() => this.destroy(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  override _read(): void { /* pushed to by send() and the heartbeat */ }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.heartbeat);
    callback(error);
  }

  private enqueue(text: string): void {
    if (this.destroyed || this.ending) return;
    if (this.readableLength + Buffer.byteLength(text) > this.options.maxBufferedBytes) {
      this.destroy(new Error(`event stream client fell more than ${this.options.maxBufferedBytes} bytes behind; disconnected`));
      return;
    }
    this.push(text);
  }
}
