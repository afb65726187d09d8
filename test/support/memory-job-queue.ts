import type { JobDefinition, JobQueue, JobRequest } from '../../src/core/jobs/ports.js';

interface QueuedJob extends JobRequest { id: string; attempt: number; lastError: string | null }

/**
 * An in-memory JobQueue for tests: records every request, honours singletonKey while a job is
 * queued, and runs queued jobs on demand with the given definitions (a throw leaves the job
 * queued with its attempt counted, as the real queue's retry would).
 */
export class MemoryJobQueue implements JobQueue {
  readonly requests: JobRequest[] = [];
  readonly queued: QueuedJob[] = [];
  readonly done: QueuedJob[] = [];
  private seq = 0;

  async enqueue(requests: readonly JobRequest[]): Promise<string[]> {
    return requests.map((request) => {
      this.requests.push(request);
      const existing = request.singletonKey ? this.queued.find((j) => j.singletonKey === request.singletonKey) : undefined;
      if (existing) return existing.id;
      const job: QueuedJob = { ...request, id: `job_${++this.seq}`, attempt: 0, lastError: null };
      this.queued.push(job);
      return job.id;
    });
  }

  named(name: string): QueuedJob[] {
    return this.queued.filter((j) => j.name === name);
  }

  /** Runs every queued job (and those they enqueue) once per round; returns the errors thrown. */
  async run(definitions: readonly JobDefinition[], only?: string): Promise<Error[]> {
    const errors: Error[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = this.queued.filter((j) => only === undefined || j.name === only);
      if (batch.length === 0) break;
      let progressed = false;
      for (const job of batch) {
        const definition = definitions.find((d) => d.name === job.name);
        if (!definition) throw new Error(`no definition for ${job.name}`);
        job.attempt++;
        try {
          await definition.handler({ id: job.id, name: job.name, payload: job.payload, workspaceId: job.workspaceId, attempt: job.attempt,
            maxAttempts: definition.maxAttempts ?? 5, signal: new AbortController().signal });
          this.queued.splice(this.queued.indexOf(job), 1);
          this.done.push(job);
          progressed = true;
        } catch (error) {
          job.lastError = (error as Error).message;
          errors.push(error as Error);
        }
      }
      if (!progressed) break;
    }
    return errors;
  }
}
