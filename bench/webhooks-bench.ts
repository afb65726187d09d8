// Webhook deliveries per second: the `webhook.deliver` handler (load webhook, read event, sign,
// POST through the SSRF-guarded sender, log the attempt) against a local node:http receiver.
// Embedded PGlite in memory; the receiver runs in this process and answers 204.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openPGlite } from '../src/adapters/db/database.js';
import { migrate } from '../src/adapters/db/migrator.js';
import { SqlUserRepository } from '../src/adapters/db/repositories/user-repository.sql.js';
import { SqlWebhookRepository } from '../src/adapters/db/repositories/webhook-repository.sql.js';
import { recordEvents } from '../src/adapters/db/outbox.sql.js';
import { AddressPolicy } from '../src/adapters/net/address-policy.js';
import { DestinationGuard } from '../src/adapters/net/destination-guard.js';
import { HttpWebhookSender } from '../src/adapters/net/webhook-sender.js';
import { MIGRATIONS_DIR } from '../src/composition/paths.js';
import type { DomainEvent } from '../src/core/events/domain-event.js';
import { newId } from '../src/core/ids.js';
import { newWebhookSecret } from '../src/core/webhooks/signing.js';
import { WEBHOOK_DELIVER, WebhookDeliverer } from '../src/core/webhooks/webhook-delivery.js';
import { percentile } from './stats.js';

export interface WebhookBenchResult {
  deliveries: number;
  concurrency: number;
  seconds: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  received: number;
  failed: number;
}

export async function benchWebhooks(options: { deliveries: number; concurrency: number; warmup?: number }): Promise<WebhookBenchResult> {
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => { received++; res.writeHead(204).end(); });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const handle = await openPGlite(null);
  try {
    await migrate(handle.db, MIGRATIONS_DIR);
    const workspaceId = newId('ws');
    await new SqlUserRepository(handle.db).create({ id: newId('usr'), email: 'bench@example.com', passwordHash: null, isAdmin: false, personalWorkspace: { id: workspaceId, name: 'Bench' } });
    const repo = new SqlWebhookRepository(handle.db, recordEvents);
    const now = new Date();
    const webhookId = newId('wh');
    await repo.insert({
      id: webhookId, workspaceId, url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['link.created'], linkIds: [], tags: [],
      enabled: true, disabledReason: null, secret: newWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null, failingSince: null, createdAt: now, updatedAt: now,
    });
    const events = new Map<string, DomainEvent>();
    const total = options.deliveries + (options.warmup ?? 0);
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const id = newId('evt');
      ids.push(id);
      events.set(id, { id, type: 'link.created', workspaceId, timestamp: now, linkId: 'lnk_1', tags: [], data: { id: 'lnk_1', url: 'https://example.com/landing', slug: `s${i}` } });
    }
    const store = { find: async (id: string) => events.get(id) ?? null, record: async () => {} };
    const sender = new HttpWebhookSender(new DestinationGuard(new AddressPolicy(true)));
    const handler = new WebhookDeliverer(repo, store, sender).definition().handler;
    const signal = new AbortController().signal;
    let failed = 0;
    const run = async (slice: string[]) => {
      const latencies: number[] = [];
      let next = 0;
      const worker = async () => {
        while (next < slice.length) {
          const eventId = slice[next++]!;
          const started = performance.now();
          try {
            await handler({ id: eventId, name: WEBHOOK_DELIVER, payload: { webhookId, eventId }, workspaceId, attempt: 1, maxAttempts: 10, signal });
          } catch {
            failed++;
          }
          latencies.push(performance.now() - started);
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      return { seconds: (performance.now() - started) / 1000, latencies };
    };
    await run(ids.slice(0, options.warmup ?? 0));
    const measured = await run(ids.slice(options.warmup ?? 0));
    return {
      deliveries: options.deliveries, concurrency: options.concurrency, seconds: measured.seconds,
      deliveriesPerSec: options.deliveries / measured.seconds, p50Ms: percentile(measured.latencies, 50), p99Ms: percentile(measured.latencies, 99),
      received: received - (options.warmup ?? 0), failed,
    };
  } finally {
    await handle.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
