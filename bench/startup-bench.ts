import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS } from './config.js';
import { startCurt } from './curt.js';
import { freePort, rssMb, stopChild } from './processes.js';

export interface StartupSample {
  readyMs: number;
  idleRssMb: number;
}

/**
 * Starts `node bin/curt.js serve` on an existing data dir (or database), measures the
 * time from spawn until GET /readyz answers 200, lets it idle, reads VmRSS, stops it.
 */
export async function measureStartup(opts: { name: string; dataDir: string; apiKey: string; logDir: string; databaseUrl?: string }): Promise<StartupSample> {
  const curt = await startCurt({ ...opts, port: await freePort() });
  try {
    await sleep(SETTINGS.idleMs);
    return { readyMs: curt.readyMs, idleRssMb: rssMb(curt.child.pid) };
  } finally {
    // The next start needs the data dir (PGlite holds it exclusively): wait for the exit.
    await stopChild(curt.child, SETTINGS.stopTimeoutMs);
  }
}
