/** Default retry delay: exponential (1 s, 2 s, 4 s, …) capped at 1 h, with full jitter. */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 3_600_000;

/**
 * Delay before the run after failed attempt `attempt` (1-based): uniformly random between
 * 0 and min(cap, base · 2^(attempt-1)). Full jitter spreads retries of jobs that failed
 * together (an endpoint down for everyone) instead of bunching them.
 */
export function defaultBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.floor(random() * ceiling);
}
