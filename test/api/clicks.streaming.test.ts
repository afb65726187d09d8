import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { ClickExportService, type ClickExportReader } from '../../src/core/analytics/click-export.js';
import type { Actor } from '../../src/core/auth/actor.js';
import { SCOPES } from '../../src/core/auth/scopes.js';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { clickRoutes } from '../../src/http/routes/clicks.routes.js';
import type { RouteContext } from '../../src/http/routes/context.js';
import { ClickSchema } from '../../src/http/schemas/click.js';
import { ProblemSchema } from '../../src/http/schemas/common.js';
import { createSchemaController } from '../../src/http/validation.js';
import { buildClick } from '../support/clicks.js';

/**
 * The export route over a real socket with a scripted reader, to see what the client
 * receives while the reader is still working: proof that nothing is buffered whole.
 */

const actor: Actor = { kind: 'api-key', userId: 'usr_1', apiKeyId: 'key_1', workspaceId: 'ws_1', scopes: new Set(SCOPES) };
const PAGE = 50;

/** A reader whose behaviour each test scripts, page by page. */
let script: (page: number) => Promise<ClickEvent[]>;
const reads: number[] = [];
const reader: ClickExportReader = {
  async page() {
    reads.push(reads.length);
    return script(reads.length - 1);
  },
};
const rows = (n: number) => Array.from({ length: n }, (_, i) => buildClick('ws_1', 'lnk_1', Date.now() - 1000 + i, { referrer: `https://ref.example/${'x'.repeat(300)}` }));

interface Received { response: IncomingMessage; chunks: string[]; done: Promise<'complete' | 'aborted'> }

describe('GET /clicks streaming', { timeout: 20_000 }, () => {
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    app = Fastify({ schemaController: createSchemaController() });
    app.decorateRequest('actor', null);
    app.addSchema(ProblemSchema);
    app.addSchema(ClickSchema);
    registerErrorHandling(app, 'http://localhost:8080');
    const ctx = {
      guard: () => async (req: { actor: Actor | null }) => { req.actor = actor; },
      baseUrl: new URL('http://localhost:8080'),
      clickExport: new ClickExportService({ reader, links: { findById: async () => null }, pageSize: PAGE }),
    } as unknown as RouteContext;
    await app.register(clickRoutes(ctx), { prefix: '/api/v1' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  function get(path: string): Promise<Received> {
    reads.length = 0;
    return new Promise((resolve, reject) => {
      request({ port, host: '127.0.0.1', path }, (response) => {
        const chunks: string[] = [];
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => chunks.push(chunk));
        const done = new Promise<'complete' | 'aborted'>((settle) => {
          response.on('close', () => settle(response.complete ? 'complete' : 'aborted'));
          response.on('error', () => {});
        });
        resolve({ response, chunks, done });
      }).on('error', reject).end();
    });
  }
  const waitFor = async (condition: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(condition(), what);
  };

  it('sends the first pages while the reader is still on a later one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    script = async (page) => {
      if (page < 2) return rows(PAGE);
      await gate; // the last page waits until the test has seen data arrive
      return rows(7);
    };
    const got = await get('/api/v1/clicks');
    assert.equal(got.response.statusCode, 200);
    assert.equal(got.response.headers['transfer-encoding'], 'chunked');
    assert.equal(got.response.headers['content-length'], undefined);
    await waitFor(() => got.chunks.join('').split('\n').length > PAGE, 'the first page arrives');
    assert.equal(reads.length, 3, 'the reader is waiting on the last page');
    release();
    assert.equal(await got.done, 'complete');
    assert.equal(got.chunks.join('').split('\n').length - 1, 2 * PAGE + 7);
  });

  it('stops reading when the client stops reading, and stops for good when it leaves', async () => {
    script = async () => rows(PAGE); // endless
    const got = await get('/api/v1/clicks?format=csv');
    got.response.pause();
    // The socket buffers fill, then the reader must wait: the page count stops moving.
    let before = -1;
    for (let i = 0; i < 100 && before !== reads.length; i++) {
      before = reads.length;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(reads.length, before, 'no more pages while the client reads nothing');
    assert.ok(reads.length < 2000, `${reads.length} pages read ahead`);
    got.response.destroy();
    await got.done;
    const atDisconnect = reads.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(reads.length <= atDisconnect + 1, 'a gone client stops the export');
  });

  it('aborts the connection when a page fails after the body has started', async () => {
    script = async (page) => {
      if (page === 0) return rows(PAGE);
      throw new Error('database went away');
    };
    const got = await get('/api/v1/clicks');
    assert.equal(got.response.statusCode, 200);
    assert.equal(await got.done, 'aborted', 'never a silently truncated 200');
  });

  it('answers a failure on the first page with a problem, before any byte of the body', async () => {
    script = async () => { throw new Error('database went away'); };
    const got = await get('/api/v1/clicks?format=csv');
    assert.equal(await got.done, 'complete');
    assert.equal(got.response.statusCode, 500);
    assert.match(String(got.response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(got.chunks.join('')).code, 'internal');
  });
});
