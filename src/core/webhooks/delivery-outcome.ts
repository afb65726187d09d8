import type { SendResult } from './webhook.js';

export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asks us to stop; the webhook is disabled. */
  | { kind: 'gone'; error: string }
  /** Anything else: retried per schedule, or after the receiver's Retry-After (429/503). */
  | { kind: 'failed'; error: string; retryAfterMs: number | null };

/** SPEC §5: 2xx delivered; 3xx a failure, never followed; 410 disables; 429/503 honour Retry-After. */
export function outcomeOf(result: SendResult): DeliveryOutcome {
  if (result.kind === 'error') return { kind: 'failed', error: result.error, retryAfterMs: null };
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone', error: 'HTTP 410: the endpoint asked not to be called again' };
  if (status >= 300 && status < 400) return { kind: 'failed', error: `HTTP ${status}: redirects are not followed`, retryAfterMs: null };
  const honoured = status === 429 || status === 503 ? result.retryAfterMs : null;
  return { kind: 'failed', error: `HTTP ${status}`, retryAfterMs: honoured };
}

/** Retry-After as delay-seconds or an HTTP date, capped at a day; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), 86_400_000);
}
