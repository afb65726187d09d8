import { Type } from 'typebox';
import { LIMITS } from '../../core/links/link-validation.js';
import { PageQuery } from './common.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Strings = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: LIMITS.conditionValues });

export const RuleSchema = Type.Object({
  when: Type.Object({
    device: Type.Optional(Strings), os: Type.Optional(Strings), browser: Type.Optional(Strings),
    country: Type.Optional(Strings), language: Type.Optional(Strings),
    query: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  url: Type.String({ format: 'uri' }),
}, { $id: 'LinkRule' });

export const VariantSchema = Type.Object({ url: Type.String({ format: 'uri' }), weight: Type.Integer({ minimum: 1, maximum: 100 }) }, { $id: 'LinkVariant' });

export const UtmSchema = Type.Object({
  source: Type.Optional(Type.String()), medium: Type.Optional(Type.String()), campaign: Type.Optional(Type.String()),
  term: Type.Optional(Type.String()), content: Type.Optional(Type.String()),
}, { $id: 'Utm' });

const fields = {
  url: Type.String({ maxLength: LIMITS.url, description: 'Absolute http(s) URL, not on Curt\'s own domains' }),
  domain: Type.Optional(Type.String({ description: 'Default: the instance domain' })),
  slug: Type.Optional(Type.String({ minLength: 1, maxLength: 190, description: 'Default: 7 random characters' })),
  title: Type.Optional(Nullable(Type.String({ maxLength: LIMITS.title }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: LIMITS.description }))),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.tag }), { maxItems: LIMITS.tags })),
  redirectType: Type.Optional(Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)])),
  forwardQuery: Type.Optional(Type.Boolean()),
  expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  expiredUrl: Type.Optional(Nullable(Type.String({ maxLength: LIMITS.url }))),
  maxClicks: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  password: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: LIMITS.password, description: 'Write-only' }))),
  rules: Type.Optional(Type.Array(Type.Ref('LinkRule'), { maxItems: LIMITS.rules })),
  variants: Type.Optional(Type.Array(Type.Ref('LinkVariant'), { maxItems: LIMITS.variants })),
  utm: Type.Optional(Type.Ref('Utm')),
  archived: Type.Optional(Type.Boolean()),
};

/** Read-only fields in a body (id, clicks, workspaceId, createdAt…) are accepted and ignored. */
export const LinkCreateSchema = Type.Object(fields, { $id: 'LinkCreate' });
export const LinkUpdateSchema = Type.Partial(Type.Object(fields), { $id: 'LinkUpdate' });

export const LinkSchema = Type.Object({
  id: Type.String(), domain: Type.String(), slug: Type.String(), shortUrl: Type.String(), url: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]), description: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()), redirectType: Type.Integer(), forwardQuery: Type.Boolean(),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), expiredUrl: Type.Union([Type.String(), Type.Null()]),
  maxClicks: Type.Union([Type.Integer(), Type.Null()]), hasPassword: Type.Boolean(),
  rules: Type.Array(Type.Ref('LinkRule')), variants: Type.Array(Type.Ref('LinkVariant')), utm: Type.Ref('Utm'),
  archived: Type.Boolean(), clicks: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Link' });

export const LinkListQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(Type.String({ maxLength: 200, description: 'Substring of slug, URL or title' })),
  tag: Type.Optional(Type.String({ maxLength: 64 })),
  domain: Type.Optional(Type.String({ maxLength: 253 })),
  url: Type.Optional(Type.String({ maxLength: LIMITS.url, description: 'Exact destination (duplicate check)' })),
  sort: Type.Union([Type.Literal('createdAt'), Type.Literal('clicks')], { default: 'createdAt' }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
  workspaceId: Type.Optional(Type.String()),
});

export const BulkSchema = Type.Object({
  links: Type.Array(Type.Object({}, { additionalProperties: true, description: 'A LinkCreate; each is validated on its own' }), { minItems: 1, maxItems: 1000 }),
});
