// Webhook test helpers: a scripted receiver on 127.0.0.1, an in-memory outbox and job queue.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DomainEvent } from '../../src/core/events/domain-event.js';
import { PermanentFailure, RetryAfter, type JobDefinition, type JobQueue, type JobRequest, type RunningJob } from '../../src/core/jobs/ports.js';
import type { EventStore } from '../../src/core/webhooks/webhook.js';

export interface Received { path: string; headers: IncomingHttpHeaders; body: string }

/** Answers each request with the next scripted reply (the last one repeats). */
export type Reply = number | ((res: ServerResponse, req: Received) => void);

export class Receiver {
  readonly received: Received[] = [];
  private script: Reply[] = [204];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(got);
        const reply = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
        if (typeof reply === 'number') res.writeHead(reply).end(`status ${reply}`);
        else reply(res, got);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  replies(...script: Reply[]): this {
    this.script = script;
    this.received.length = 0;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  hits(path: string): number {
    return this.received.filter((r) => r.path === path).length;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

export class MemoryEventStore implements EventStore {
  readonly events = new Map<string, DomainEvent>();
  readonly recorded: DomainEvent[] = [];
  async find(id: string): Promise<DomainEvent | null> {
    return this.events.get(id) ?? null;
  }
  async record(events: readonly DomainEvent[]): Promise<void> {
    for (const e of events) {
      this.events.set(e.id, e);
      this.recorded.push(e);
    }
  }
}

export class MemoryJobQueue implements JobQueue {
  readonly queued: Array<JobRequest & { id: string }> = [];
  private n = 0;
  async enqueue(requests: readonly JobRequest[]): Promise<string[]> {
    return requests.map((r) => {
      const existing = r.singletonKey ? this.queued.find((q) => q.singletonKey === r.singletonKey) : undefined;
      if (existing) return existing.id;
      const id = `job_${++this.n}`;
      this.queued.push({ ...r, id });
      return id;
    });
  }
}

export interface RunOutcome { state: 'done' | 'dead'; attempts: number; delays: number[]; error?: string }

/** Runs a job's attempts as the queue would, without waiting: RetryAfter delays are recorded instead. */
export async function runToEnd(definition: JobDefinition, request: JobRequest, maxRuns = 50): Promise<RunOutcome> {
  const delays: number[] = [];
  const maxAttempts = definition.maxAttempts ?? 5;
  for (let attempt = 1; attempt <= Math.min(maxAttempts, maxRuns); attempt++) {
    const job: RunningJob = { id: 'job_t', name: definition.name, payload: request.payload, workspaceId: request.workspaceId, attempt, maxAttempts, signal: new AbortController().signal };
    try {
      await definition.handler(job);
      return { state: 'done', attempts: attempt, delays };
    } catch (error) {
      if (error instanceof PermanentFailure) return { state: 'dead', attempts: attempt, delays, error: error.message };
      delays.push(error instanceof RetryAfter ? error.delayMs : definition.backoffMs?.(attempt) ?? 0);
    }
  }
  return { state: 'dead', attempts: maxAttempts, delays };
}

export function makeEvent(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: `evt_${Math.random().toString(36).slice(2)}`, type: 'link.created', workspaceId: 'ws_1', timestamp: new Date('2030-01-01T00:00:00Z'),
    data: { id: 'lnk_1', url: 'https://example.com/' }, linkId: 'lnk_1', tags: [], ...overrides,
  };
}
