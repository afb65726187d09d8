import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for the tests that need one: CURT_TEST_REDIS_URL or the local default. Such tests are
 * skipped when it is unreachable, unless CURT_TEST_REQUIRE_REDIS=1 (CI), which fails them.
 */
export const redisUrl = process.env.CURT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** false when Redis is there; else the reason to skip (or a thrown error when it is required). */
export async function redisSkip(): Promise<false | string> {
  if (await reachable()) return false;
  if (process.env.CURT_TEST_REQUIRE_REDIS) throw new Error(`CURT_TEST_REQUIRE_REDIS is set but ${redisUrl} is unreachable`);
  return `Redis at ${redisUrl} is unreachable`;
}

export async function redisAvailable(): Promise<boolean> {
  return (await redisSkip()) === false;
}

/** A key prefix no other test run shares. */
export const uniquePrefix = () => `curt-test-${randomBytes(4).toString('hex')}:`;
