export const REDIRECT_TYPES = [301, 302, 307, 308] as const;
export type RedirectType = (typeof REDIRECT_TYPES)[number];

export interface RuleCondition {
  device?: string[];
  os?: string[];
  browser?: string[];
  country?: string[];
  language?: string[];
  query?: Record<string, string>;
}
export interface Rule { when: RuleCondition; url: string }
export interface Variant { url: string; weight: number }
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;
export type Utm = Partial<Record<(typeof UTM_KEYS)[number], string>>;

export interface Link {
  id: string;
  workspaceId: string;
  /** '' is the instance's default domain. */
  domain: string;
  slug: string;
  url: string;
  title: string | null;
  description: string | null;
  tags: string[];
  redirectType: RedirectType;
  forwardQuery: boolean;
  expiresAt: Date | null;
  expiredUrl: string | null;
  maxClicks: number | null;
  passwordHash: string | null;
  rules: Rule[];
  variants: Variant[];
  utm: Utm;
  archived: boolean;
  clicks: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The writable fields, as clients send them (password in clear; hashed by the service). */
export interface LinkInput {
  url?: unknown;
  domain?: unknown;
  slug?: unknown;
  title?: unknown;
  description?: unknown;
  tags?: unknown;
  redirectType?: unknown;
  forwardQuery?: unknown;
  expiresAt?: unknown;
  expiredUrl?: unknown;
  maxClicks?: unknown;
  password?: unknown;
  rules?: unknown;
  variants?: unknown;
  utm?: unknown;
  archived?: unknown;
}
