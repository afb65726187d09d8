import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for tests: CURT_TEST_REDIS_URL, else the local default. With CURT_TEST_REQUIRE_REDIS=1
 * (CI) an unreachable Redis fails the run; otherwise those tests are skipped.
 */
export const redisUrl = process.env.CURT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    if (process.env.CURT_TEST_REQUIRE_REDIS === '1') throw new Error(`CURT_TEST_REQUIRE_REDIS=1 but Redis at ${redisUrl} is unreachable: ${String(error)}`);
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A key prefix no other test run shares. */
export const uniquePrefix = () => `curt-test-${randomBytes(4).toString('hex')}:`;
