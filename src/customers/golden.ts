import type { StandardProfile } from './profile.js';

/**
 * Survivorship: the golden record of one customer from the standardized records of its key.
 * Rules, field by field (documented in docs/customers.md):
 * - Records are ranked by source trust (the order of `sourcePriority`; unlisted sources after the
 *   listed ones), then by recency (updatedAt, latest first), then by completeness (more filled
 *   fields first), then by record id (so the result never depends on input order).
 * - Name, e-mail and address: from the best-ranked record that has them (an address counts when
 *   it has a street or a city; its parts travel together, never mixed across records).
 * - Birth date: the value most records agree on; a tie goes to the better-ranked record.
 * - Gender: the most common of F / M across records (U only when no record says); a tie goes to
 *   the better-ranked record.
 * - Phones: all distinct numbers of all records (a customer may have several), mobile first.
 */
export interface GoldenRecord {
  customer_key: string;
  family_name: string | null;
  given_name: string | null;
  full_name: string | null;
  gender: string;
  birth_date: string | null;
  email: string | null;
  phones: string | null;
  mobile: string | null;
  country: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  street: string | null;
  postcode: string | null;
  source_systems: string;
  records: number;
  best_record_id: string;
  updated_at: string | null;
}

const completeness = (p: StandardProfile) =>
  [p.familyName ?? p.givenName, p.birthDate, p.email, p.phones.length ? 1 : null, p.address.street ?? p.address.city, p.gender !== 'U' ? 1 : null].filter(
    (v) => v !== null && v !== undefined,
  ).length;

export function rankRecords(records: readonly StandardProfile[], sourcePriority: readonly string[]): StandardProfile[] {
  const trust = (p: StandardProfile) => {
    const i = sourcePriority.indexOf(p.sourceSystem);
    return i === -1 ? sourcePriority.length : i;
  };
  return [...records].sort(
    (a, b) =>
      trust(a) - trust(b) ||
      (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') ||
      completeness(b) - completeness(a) ||
      a.recordId.localeCompare(b.recordId),
  );
}

/** The most frequent non-null value; ties go to the earliest in rank order. */
function consensus<T>(ranked: readonly StandardProfile[], pick: (p: StandardProfile) => T | null): T | null {
  const counts = new Map<T, { n: number; first: number }>();
  ranked.forEach((p, i) => {
    const v = pick(p);
    if (v === null || v === undefined) return;
    const c = counts.get(v);
    if (c) c.n++;
    else counts.set(v, { n: 1, first: i });
  });
  let best: T | null = null;
  let bestCount = { n: 0, first: Infinity };
  for (const [v, c] of counts) {
    if (c.n > bestCount.n || (c.n === bestCount.n && c.first < bestCount.first)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

export function goldenRecord(customerKey: string, records: readonly StandardProfile[], sourcePriority: readonly string[]): GoldenRecord {
  const ranked = rankRecords(records, sourcePriority);
  const named = ranked.find((p) => p.familyName || p.givenName || p.fullName);
  const mailed = ranked.find((p) => p.email);
  const located = ranked.find((p) => p.address.street || p.address.city) ?? ranked.find((p) => p.address.postcode || p.address.country);
  const phones = new Map<string, 'mobile' | 'fixed' | 'other'>();
  for (const p of ranked) for (const phone of p.phones) if (!phones.has(phone.e164)) phones.set(phone.e164, phone.kind);
  const ordered = [...phones].sort((a, b) => Number(b[1] === 'mobile') - Number(a[1] === 'mobile'));
  return {
    customer_key: customerKey,
    family_name: named?.familyName ?? null,
    given_name: named?.givenName ?? null,
    full_name: named?.originalName ?? named?.fullName ?? null,
    gender: consensus(ranked, (p) => (p.gender === 'U' ? null : p.gender)) ?? 'U',
    birth_date: consensus(ranked, (p) => p.birthDate),
    email: mailed?.email ?? null,
    phones: ordered.length ? ordered.map(([e164]) => e164).join(' ') : null,
    mobile: ordered.find(([, kind]) => kind === 'mobile')?.[0] ?? null,
    country: located?.address.country ?? null,
    province: located?.address.province ?? null,
    city: located?.address.city ?? null,
    district: located?.address.district ?? null,
    street: located?.address.street ?? null,
    postcode: located?.address.postcode ?? null,
    source_systems: [...new Set(ranked.map((p) => p.sourceSystem))].sort().join(','),
    records: ranked.length,
    best_record_id: ranked[0]!.recordId,
    updated_at: ranked.map((p) => p.updatedAt).filter((v): v is string => !!v).sort().at(-1) ?? null,
  };
}
