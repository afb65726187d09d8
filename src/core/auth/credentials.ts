import type { FieldError } from '../errors.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** Lower-cased, trimmed e-mail, or a field error. Deliberately loose: the mailbox decides. */
export function normalizeEmail(raw: string, pointer = '/email'): string | FieldError {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$/.test(email)) {
    return { pointer, detail: 'must be an e-mail address' };
  }
  return email;
}

/** OWASP/NIST: length is what matters; no composition rules, long passphrases welcome. */
export function checkPassword(password: string, pointer = '/password'): FieldError | null {
  if (password.length < PASSWORD_MIN) return { pointer, detail: `must be at least ${PASSWORD_MIN} characters` };
  if (password.length > PASSWORD_MAX) return { pointer, detail: `must be at most ${PASSWORD_MAX} characters` };
  return null;
}
