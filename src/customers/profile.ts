/**
 * The customer master's shared shapes. A `RawProfile` is one row of `curated.customer_profiles`
 * (or a contact seen in POS, calls or web data) with text as the source wrote it; standardization
 * turns it into a `StandardProfile`, which matching compares and survivorship merges.
 */
export interface RawProfile {
  source_system: string;
  source_customer_id: string;
  source_person_id?: string | null;
  full_name?: string | null;
  family_name?: string | null;
  given_name?: string | null;
  gender?: string | null;
  birth_date?: string | null;
  phone?: string | null;
  mobile?: string | null;
  email?: string | null;
  address_line?: string | null;
  district?: string | null;
  city?: string | null;
  province?: string | null;
  postcode?: string | null;
  country?: string | null;
  registered_at?: string | null;
  updated_at?: string | null;
  /** The source's settings from its mapping rules (customer_profiles columns); null: not declared. */
  default_country?: string | null;
  day_first?: boolean | null;
  source_priority?: number | null;
}

export type Gender = 'F' | 'M' | 'U';

/** A standardized phone: country calling code, area (trunk-less) code, subscriber number. */
export interface StandardPhone {
  /** E.164, e.g. +8673158671888; the matching key. */
  e164: string;
  countryCode: string;
  /** Area code with the national trunk prefix as people write it (0731), null for mobiles. */
  areaCode: string | null;
  number: string;
  kind: 'mobile' | 'fixed' | 'other';
}

export interface StandardAddress {
  country: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  street: string | null;
  postcode: string | null;
}

/** A problem found while standardizing: the field, the raw value and why it was not used. */
export interface StandardizeIssue {
  field: string;
  value: string;
  reason: string;
}

export interface StandardProfile {
  /** `source_system:source_customer_id`, unique across the master. */
  recordId: string;
  sourceSystem: string;
  sourceCustomerId: string;
  sourcePersonId: string | null;
  familyName: string | null;
  givenName: string | null;
  /** Normalized full name for comparison (NFKC, case-folded, single spaces, family name first). */
  fullName: string | null;
  /** Name as written, kept for display and audit. */
  originalName: string | null;
  gender: Gender;
  /** ISO date YYYY-MM-DD, or null when missing or rejected (the issue says why). */
  birthDate: string | null;
  phones: StandardPhone[];
  email: string | null;
  address: StandardAddress;
  /** When the source last touched the record (ISO), for survivorship. */
  updatedAt: string | null;
  issues: StandardizeIssue[];
}
