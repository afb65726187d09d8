import { invalid } from './errors.js';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 100;

/** Opaque keyset cursor: the sort value and id of the last row served. */
export interface Position { value: string | number; id: string }

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.value, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Position | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') && typeof parsed[1] === 'string') {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch { /* fall through */ }
  throw invalid([{ pointer: '/cursor', detail: 'is not a cursor this API returned' }]);
}

/** A cursor over (createdAt, id): the value must be an ISO instant this API produced. */
export function decodeTimeCursor(cursor: string | undefined): { createdAt: Date; id: string } | null {
  const position = decodeCursor(cursor);
  if (position === null) return null;
  const createdAt = typeof position.value === 'string' ? new Date(position.value) : new Date(Number.NaN);
  if (Number.isNaN(createdAt.getTime())) throw invalid([{ pointer: '/cursor', detail: 'is not a cursor this API returned' }]);
  return { createdAt, id: position.id };
}

export function encodeTimeCursor(createdAt: Date, id: string): string {
  return encodeCursor({ value: createdAt.toISOString(), id });
}
