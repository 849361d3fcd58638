import { createHash } from 'node:crypto';

/**
 * Identifiers for ad-platform audiences (Google Customer Match, Meta Custom Audiences): SHA-256
 * in lower-case hex over a normalized value, so the platform can match without receiving the
 * value itself. The rules both platforms publish:
 * - e-mail: trim surrounding whitespace, lower-case (Meta's example: `John_Smith@gmail.com` →
 *   `john_smith@gmail.com`). Google's Gmail-only dot removal is left out: Meta does not do it and
 *   one file serves both.
 * - phone: the E.164 number with its country code, digits only (Meta: `+1 (650) 555-1212` →
 *   `16505551212`). The golden record stores phones in E.164 already; a number without a country
 *   code cannot be completed safely (which country?), so a number shorter than 8 digits or longer
 *   than E.164's 15 is dropped rather than hashed wrong.
 */

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function normalizeEmail(email: string | null | undefined): string | null {
  const text = (email ?? '').trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) ? text : null;
}

export function normalizePhone(phone: string | null | undefined): string | null {
  const text = (phone ?? '').trim();
  if (!text) return null;
  // 00 is the international call prefix most countries dial in place of the +.
  const all = text.replace(/\D/g, '');
  const digits = text.startsWith('+') ? all : all.replace(/^00/, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? digits : null;
}

export const hashedEmail = (email: string | null | undefined) => {
  const normalized = normalizeEmail(email);
  return normalized === null ? null : sha256Hex(normalized);
};

export const hashedPhone = (phone: string | null | undefined) => {
  const normalized = normalizePhone(phone);
  return normalized === null ? null : sha256Hex(normalized);
};
