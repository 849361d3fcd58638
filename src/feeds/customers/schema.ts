import type { CanonicalColumn } from '../feed.js';

/**
 * The canonical customer profile: one row per customer record of a source system (membership
 * sign-ups, dealers, service stations, web-shop accounts). Text is kept as the source wrote it,
 * only trimmed: standardizing names, phones and genders and matching records to one person are
 * later steps, which need the original values.
 */
export const CUSTOMERS_TABLE = 'customer_profiles';

export const CUSTOMERS_COLUMNS: CanonicalColumn[] = [
  { name: 'source_system', type: 'VARCHAR', doc: 'System the record comes from (membership, dealer, web shop, …); the mapping name unless the mapping sets it' },
  { name: 'source_customer_id', type: 'VARCHAR', doc: "The customer's id in that system; required, unique within a file" },
  { name: 'source_person_id', type: 'VARCHAR', doc: "The source's own person-level id when it has one (Olist customer_unique_id groups per-order customer ids)" },
  { name: 'full_name', type: 'VARCHAR', doc: 'Name as written' },
  { name: 'family_name', type: 'VARCHAR', doc: 'Family name, when the source splits names' },
  { name: 'given_name', type: 'VARCHAR', doc: 'Given name, when the source splits names' },
  { name: 'gender', type: 'VARCHAR', doc: 'Gender as the source writes it (M, F, 男, …), not normalized' },
  { name: 'birth_date', type: 'VARCHAR', doc: 'Birth date as raw text (formats vary; parsed when profiles are standardized)' },
  { name: 'phone', type: 'VARCHAR', doc: 'Landline or main phone as written' },
  { name: 'mobile', type: 'VARCHAR', doc: 'Mobile phone as written' },
  { name: 'email', type: 'VARCHAR', doc: 'E-mail address as written' },
  { name: 'address_line', type: 'VARCHAR', doc: 'Street address' },
  { name: 'district', type: 'VARCHAR', doc: 'District / neighbourhood' },
  { name: 'city', type: 'VARCHAR', doc: 'City' },
  { name: 'province', type: 'VARCHAR', doc: 'Province or state' },
  { name: 'postcode', type: 'VARCHAR', doc: 'Postcode as text: leading zeros kept' },
  { name: 'country', type: 'VARCHAR', doc: 'Country as the source writes it (or a mapping constant)' },
  { name: 'registered_at', type: 'TIMESTAMP', doc: 'When the customer signed up, when the source says' },
  { name: 'updated_at', type: 'TIMESTAMP', doc: 'When the source last changed the record, when it says' },
  // Per-source settings: stamped on every row from the mapping's `rules` (see customerRules in
  // feed.ts), so a build reads each record with its own source's conventions.
  { name: 'default_country', type: 'VARCHAR', doc: "Mapping setting `default_country`: ISO country national phone numbers (0731-…, 138…) are read in when the record has no country" },
  { name: 'day_first', type: 'BOOLEAN', doc: 'Mapping setting `day_first`: true when 03/04/1985 means 3 April, false for 4 March; NULL: only unambiguous dates are read' },
  { name: 'source_priority', type: 'INTEGER', doc: "Mapping setting `priority`: survivorship rank of the source in dim_customer (1 is trusted first); NULL: after the ranked sources" },
  { name: 'email_consent', type: 'BOOLEAN', doc: 'Marketing consent for e-mail: true = opted in, false = opted out; absent = unknown, which no export treats as consent' },
  { name: 'email_consent_at', type: 'TIMESTAMP', doc: 'When the customer gave or withdrew email_consent (the most recent statement wins in the golden record)' },
  { name: 'sms_consent', type: 'BOOLEAN', doc: 'Marketing consent for SMS / text messages: true = opted in, false = opted out; absent = unknown, which no export treats as consent' },
  { name: 'sms_consent_at', type: 'TIMESTAMP', doc: 'When the customer gave or withdrew sms_consent (the most recent statement wins in the golden record)' },
  { name: 'ads_consent', type: 'BOOLEAN', doc: 'Marketing consent for ad-platform audiences (Customer Match, Custom Audiences): true = opted in, false = opted out; absent = unknown, which no export treats as consent' },
  { name: 'ads_consent_at', type: 'TIMESTAMP', doc: 'When the customer gave or withdrew ads_consent (the most recent statement wins in the golden record)' },
  {
    name: 'business_date',
    type: 'DATE',
    doc: 'Partition key: date of updated_at, else of registered_at, else the UTC date the file was ingested (the raw/<date> folder)',
  },
];
