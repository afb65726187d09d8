/** SPEC §5: retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400].map((s) => s * 1000);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `5s,5m,30m,2h,1d` (units ms, s, m, h, d); throws with a one-line reason. */
export function parseRetrySchedule(raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length > 50) throw new Error('must list at most 50 durations');
  return parts.map((part) => {
    const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(part);
    if (!match) throw new Error(`must be comma-separated durations such as 5s,5m,30m,2h,1d; "${part}" is not one`);
    const ms = Number(match[1]) * UNITS[match[2]!]!;
    if (ms > 7 * 86_400_000) throw new Error(`"${part}" is longer than 7 days`);
    return ms;
  });
}

/** ±15 % around `ms`, so retries of many failed deliveries do not arrive in lockstep. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.85 + 0.3 * random()));
}
