import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseRetryAfter } from '../../core/webhooks/delivery-outcome.js';
import type { SendRequest, SendResult, WebhookSender } from '../../core/webhooks/webhook.js';
import { hostOf, type DestinationGuard } from './destination-guard.js';

export interface SenderOptions {
  /** Whole attempt, connect to last byte (SPEC §5: 15 s). */
  timeoutMs?: number;
  /** Response bytes read before the connection is dropped. */
  maxResponseBytes?: number;
  /** Characters of the response kept for the delivery log. */
  excerptChars?: number;
}

/**
 * POSTs over node:http(s) with no redirect following (Node never follows them) and every
 * connection's addresses checked by the guard at connect time. Never throws: network errors,
 * timeouts and refused destinations come back as { kind: 'error' }.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly excerptChars: number;

  constructor(private readonly guard: DestinationGuard, options: SenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
    this.excerptChars = options.excerptChars ?? 1024;
  }

  async send(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.post(req, req.signal ? AbortSignal.any([timeout, req.signal]) : timeout);
      return { kind: 'response', ...response, durationMs: elapsed() };
    } catch (error) {
      const reason = timeout.aborted ? `timed out after ${this.timeoutMs} ms` : req.signal?.aborted ? 'aborted: the worker is stopping' : describe(error);
      return { kind: 'error', error: reason, durationMs: elapsed() };
    }
  }

  private post(req: SendRequest, signal: AbortSignal): Promise<{ status: number; bodyExcerpt: string; retryAfterMs: number | null }> {
    const url = new URL(req.url);
    // Node dials an IP-literal host without calling `lookup`: judge it here.
    this.guard.assertLiteral(hostOf(url));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(req.body);
    return new Promise((resolve, reject) => {
      const outgoing = send(url, {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(body.length) },
        lookup: this.guard.lookup,
        agent: false,
        signal,
      }, (res) => this.read(res, signal).then(resolve, reject));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  private async read(res: IncomingMessage, signal: AbortSignal) {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= this.maxResponseBytes) break;
      }
    } finally {
      res.destroy();
    }
    signal.throwIfAborted();
    const text = Buffer.concat(chunks).subarray(0, this.maxResponseBytes).toString('utf8');
    const retryAfter = res.headers['retry-after'];
    return {
      status: res.statusCode ?? 0,
      bodyExcerpt: text.slice(0, this.excerptChars),
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now()),
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
