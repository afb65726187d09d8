import { Cron } from 'croner';
import type { JobPayload, JobRequest } from './ports.js';

/**
 * A recurring job: a cron expression (UTC; five fields, or six with seconds) whose ticks each
 * enqueue one job. Every instance computes the ticks; the store lets one of them enqueue each
 * tick (singletonKey `cron:<name>:<tick>` and the schedule's last tick), and after downtime
 * only the latest missed tick runs.
 */
export class RecurringSchedule {
  private readonly cron: Cron;
  /** Nothing to do before this (ms); 0 until the first check, which catches up missed ticks. */
  private nextCheck = 0;

  constructor(readonly name: string, readonly expression: string, readonly payload: JobPayload = {}) {
    this.cron = new Cron(expression, { timezone: 'UTC', paused: true }); // throws on a bad expression
  }

  /** The tick to enqueue at `now` (the latest tick not after it), or null if none is due yet. */
  due(now: number): Date | null {
    if (now < this.nextCheck) return null;
    // previousRuns is strictly before its reference, at second resolution: +1 s includes `now`'s own second.
    return this.cron.previousRuns(1, new Date(now + 1000))[0] ?? null;
  }

  /** After the due tick was handled (by us or another instance): sleep until the next one. */
  handled(now: number): void {
    this.nextCheck = this.cron.nextRun(new Date(now))?.getTime() ?? Number.POSITIVE_INFINITY;
  }

  request(tick: Date): JobRequest {
    return { name: this.name, payload: { ...this.payload, tick: tick.toISOString() }, workspaceId: null, runAt: tick, singletonKey: `cron:${this.name}:${tick.toISOString()}` };
  }
}
