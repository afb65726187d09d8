import { EVENT_TYPES, type EventType } from '../events/domain-event.js';
import type { FieldError } from '../errors.js';
import type { DestinationCheck, WebhookChanges } from './webhook.js';

export interface WebhookInput { url?: unknown; events?: unknown; linkIds?: unknown; tags?: unknown; enabled?: unknown }

const LIMITS = { url: 2048, linkIds: 100, tags: 25, tag: 64, id: 64 };

/** Checks the given fields (all required when `creating`); errors carry JSON pointers. */
export async function readWebhookInput(input: WebhookInput, creating: boolean, destinations: DestinationCheck): Promise<{ changes: WebhookChanges; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const changes: WebhookChanges = {};
  if (input.url !== undefined || creating) {
    const url = await readUrl(input.url, destinations, errors);
    if (url) changes.url = url;
  }
  if (input.events !== undefined || creating) {
    const events = input.events;
    if (!Array.isArray(events) || events.length === 0) errors.push({ pointer: '/events', detail: `must be a non-empty array of ${EVENT_TYPES.join(', ')}` });
    else {
      events.forEach((e, i) => { if (!(EVENT_TYPES as readonly unknown[]).includes(e)) errors.push({ pointer: `/events/${i}`, detail: `must be one of ${EVENT_TYPES.join(', ')}` }); });
      changes.events = [...new Set(events as EventType[])];
    }
  }
  const strings = (name: 'linkIds' | 'tags', max: number, maxLength: number) => {
    const value = input[name];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length > max) {
      errors.push({ pointer: `/${name}`, detail: `must be an array of at most ${max} strings` });
      return;
    }
    value.forEach((v, i) => { if (typeof v !== 'string' || v.trim() === '' || v.trim().length > maxLength) errors.push({ pointer: `/${name}/${i}`, detail: `must be 1 to ${maxLength} characters` }); });
    changes[name] = [...new Set(value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()))];
  };
  strings('linkIds', LIMITS.linkIds, LIMITS.id);
  strings('tags', LIMITS.tags, LIMITS.tag);
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean') errors.push({ pointer: '/enabled', detail: 'must be true or false' });
    else changes.enabled = input.enabled;
  }
  return { changes, errors };
}

/** An absolute http(s) URL without credentials whose host is a public address (SPEC §5, SSRF). */
async function readUrl(value: unknown, destinations: DestinationCheck, errors: FieldError[]): Promise<string | null> {
  const fail = (detail: string) => { errors.push({ pointer: '/url', detail }); return null; };
  if (typeof value !== 'string' || value.length > LIMITS.url) return fail(`must be an absolute http(s) URL of at most ${LIMITS.url} characters`);
  let url: URL;
  try { url = new URL(value); } catch { return fail('must be an absolute http(s) URL'); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must use http or https');
  if (url.username !== '' || url.password !== '') return fail('must not contain credentials (user:password@)');
  url.hash = '';
  const problem = await destinations.urlProblem(url);
  if (problem) return fail(`host ${problem}; webhooks may only call public addresses`);
  return url.href;
}
