import { Type } from 'typebox';

const Text = (description?: string) => Type.Union([Type.String(), Type.Null()], description ? { description } : {});

/** One click as exported and as sent live: the SPEC §3 click event (raw IPs are never stored). */
export const ClickSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Stable event id (UUIDv7)' }),
  at: Type.String({ format: 'date-time' }),
  linkId: Type.String(),
  domain: Type.String({ description: 'The short link\'s host' }),
  referrer: Text(), referrerHost: Text(),
  country: Text('ISO 3166-1 alpha-2'),
  device: Text('desktop, mobile, tablet, console, smarttv, wearable, embedded or bot'),
  browser: Text(), os: Text(),
  language: Text('Primary language subtag, e.g. "en"'),
  utmSource: Text(), utmMedium: Text(), utmCampaign: Text(), utmTerm: Text(), utmContent: Text(),
  bot: Type.Boolean(),
  visitorId: Type.String({ description: 'Salted hash of IP and user agent, rotated daily' }),
}, { $id: 'Click' });

/** The data: line of a live event (SPEC §5 envelope). */
export const LiveEventSchema = Type.Union([
  Type.Object({
    type: Type.Literal('link.clicked'),
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Ref('Click'),
  }),
  Type.Object({
    type: Type.Union([Type.Literal('link.created'), Type.Literal('link.updated'), Type.Literal('link.deleted'), Type.Literal('link.expired')]),
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Ref('Link', { description: 'The link as GET /links/{id} shows it (after the change; as it was, for link.deleted)' }),
  }),
], { $id: 'LiveEvent' });

export const ClickExportQuery = Type.Object({
  link: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this link\'s clicks' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive; default 30 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive; default now' })),
  format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
  workspaceId: Type.Optional(Type.String({ maxLength: 64 })),
});
