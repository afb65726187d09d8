import { randomBase62 } from '../ids.js';

export const GENERATED_SLUG_LENGTH = 7;
export const SLUG_MAX = 190;
/** First path segments that belong to Curt itself and can never be slugs. */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set(['api', 'docs', 'healthz', 'readyz', 'metrics', 'app', 'assets', 'static']);
const SLUG_SHAPE = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

export function slugProblem(slug: string): string | null {
  if (slug.length < 1 || slug.length > SLUG_MAX) return `must be 1 to ${SLUG_MAX} characters`;
  if (!SLUG_SHAPE.test(slug)) return 'may hold only A-Z, a-z, 0-9, "_", "-" and "/" between segments';
  const first = slug.split('/', 1)[0]!.toLowerCase();
  if (RESERVED_SEGMENTS.has(first)) return `"${first}" is reserved by Curt`;
  return null;
}

/** 62^7 ≈ 3.5e12 possibilities from the CSPRNG; collisions are retried by the service. */
export function generateSlug(): string {
  for (;;) {
    const slug = randomBase62(GENERATED_SLUG_LENGTH);
    if (!RESERVED_SEGMENTS.has(slug.toLowerCase())) return slug; // e.g. "HealthZ": astronomically rare, never served
  }
}
