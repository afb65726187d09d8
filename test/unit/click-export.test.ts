import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { ClickExportService, type ClickExportRange, type ClickPosition } from '../../src/core/analytics/click-export.js';
import type { Actor } from '../../src/core/auth/actor.js';
import type { Scope } from '../../src/core/auth/scopes.js';
import { DomainError } from '../../src/core/errors.js';
import { csvField } from '../../src/http/streams/click-formats.js';
import { buildClick } from '../support/clicks.js';
import { makeLink } from './fakes.js';

const DAY = 86_400_000;
const NOW = new Date('2030-06-15T12:00:00Z');
const actor = (scopes: Scope[] = ['analytics:read']): Actor => ({ kind: 'api-key', userId: 'usr_1', apiKeyId: 'key_1', workspaceId: 'ws_1', scopes: new Set(scopes) });

/** A reader over an in-memory list, recording each call. */
function fakeReader(clicks: ClickEvent[]) {
  const calls: Array<{ range: ClickExportRange; after: ClickPosition | null; limit: number }> = [];
  return {
    calls,
    async page(range: ClickExportRange, after: ClickPosition | null, limit: number) {
      calls.push({ range, after, limit });
      const start = after ? clicks.findIndex((c) => c.id === after.id) + 1 : 0;
      return clicks.slice(start, start + limit);
    },
  };
}

function service(clicks: ClickEvent[] = [], pageSize = 2) {
  const reader = fakeReader(clicks);
  const lookups: Array<[string, string]> = [];
  const links = { findById: async (workspaceId: string, id: string) => { lookups.push([workspaceId, id]); return id === 'lnk_mine' ? makeLink({ id }) : null; } };
  return { reader, lookups, exports: new ClickExportService({ reader, links, pageSize, now: () => NOW }) };
}

async function collect(pages: AsyncIterable<ClickEvent[]>): Promise<ClickEvent[][]> {
  const out: ClickEvent[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const rejects = async (promise: Promise<unknown>, code: string) => {
  await assert.rejects(promise, (e: unknown) => e instanceof DomainError && e.code === code);
};

describe('ClickExportService', () => {
  it('defaults to the 30 days before now, in the actor\'s workspace', async () => {
    const { exports } = service();
    const { range } = await exports.open(actor(), {});
    assert.deepEqual(range, { workspaceId: 'ws_1', linkId: null, from: new Date(NOW.getTime() - 30 * DAY), to: NOW });
    const to = new Date('2030-01-31T00:00:00Z');
    assert.deepEqual((await exports.open(actor(), { to })).range.from, new Date(to.getTime() - 30 * DAY), 'from defaults relative to to');
  });

  it('refuses from ≥ to, a missing scope and a link outside the workspace before reading anything', async () => {
    const { exports, reader, lookups } = service();
    await rejects(exports.open(actor(), { from: NOW, to: NOW }), 'validation-failed');
    await rejects(exports.open(actor(), { from: new Date(NOW.getTime() + 1) }), 'validation-failed');
    await rejects(exports.open(actor(['links:read']), {}), 'insufficient-scope');
    await rejects(exports.open(actor(), { linkId: 'lnk_theirs' }), 'not-found');
    assert.deepEqual(lookups, [['ws_1', 'lnk_theirs']], 'the link is looked up within the actor\'s workspace');
    assert.equal((await exports.open(actor(), { linkId: 'lnk_mine' })).range.linkId, 'lnk_mine');
    assert.equal(reader.calls.length, 0, 'open() reads no clicks');
  });

  it('reads pages lazily, each after the last row of the one before, and stops at a short page', async () => {
    const clicks = Array.from({ length: 5 }, (_, i) => buildClick('ws_1', 'lnk_mine', NOW.getTime() - 1000 + i));
    const { exports, reader } = service(clicks);
    const { pages } = await exports.open(actor(), {});
    assert.equal(reader.calls.length, 0);
    const got = await collect(pages);
    assert.deepEqual(got.map((p) => p.length), [2, 2, 1]);
    assert.deepEqual(reader.calls.map((c) => c.after?.id ?? null), [null, clicks[1]!.id, clicks[3]!.id]);
    assert.deepEqual(reader.calls[1]!.after, { at: clicks[1]!.at, id: clicks[1]!.id });
  });

  it('an export of whole pages ends on an empty read and yields no empty page', async () => {
    const clicks = Array.from({ length: 4 }, (_, i) => buildClick('ws_1', 'lnk_mine', NOW.getTime() - 1000 + i));
    const { exports, reader } = service(clicks);
    assert.deepEqual((await collect((await exports.open(actor(), {})).pages)).map((p) => p.length), [2, 2]);
    assert.equal(reader.calls.length, 3);
  });
});

describe('CSV cells', () => {
  it('quotes per RFC 4180 and defuses formulas', () => {
    const cases: Array<[string | boolean | null, string]> = [
      [null, ''], ['', ''], [true, 'true'], ['plain', 'plain'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['two\nlines', '"two\nlines"'],
      ['cr\r', '"cr\r"'], ['=1+1', '\'=1+1'], ['+1', '\'+1'], ['-1', '\'-1'], ['@x', '\'@x'], ['\tx', '\'\tx'], ['\rx', '"\'\rx"'],
      ['=HYPERLINK("u","x")', '"\'=HYPERLINK(""u"",""x"")"'], ['a=b', 'a=b'], ['ünïcode', 'ünïcode'],
    ];
    for (const [value, cell] of cases) assert.equal(csvField(value), cell, JSON.stringify(value));
  });
});
