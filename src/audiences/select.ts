import type { Engine } from '../engine/engine.js';
import { quoteIdent, sqlString } from '../engine/sql.js';
import { AudienceError, type Audience } from './definition.js';
import { EXPORTS_FEED, MEMBERS_TABLE } from './records.js';
import { isControl } from './split.js';

/** One customer of the segment with what the exclusions and the vendor file need. */
export interface Candidate {
  customerKey: string;
  email: string | null;
  mobile: string | null;
  nextBestProduct: string | null;
  orderValue: unknown;
  consent: boolean | null;
  contactedRecently: boolean;
  complainedRecently: boolean;
  inOtherRunningAudience: boolean;
}

export type ExclusionReason = 'no_consent' | 'no_contact_field' | 'contacted_recently' | 'complained_recently' | 'in_other_running_audience' | 'over_size_cap';

export interface Selection {
  /** Customers in the segment before exclusions. */
  segment: number;
  excluded: Record<ExclusionReason, number>;
  /** Eligible customers within the size cap, in the cap's order, each with its group. */
  members: (Candidate & { isControl: boolean })[];
}

/** A day `days` after (or before) `date`, both YYYY-MM-DD. */
export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The segment with its exclusion flags, one row per customer, computed by the engine in the
 * writer's session (the golden record's clear contact fields are needed for the vendor file).
 * The segment expression is evaluated over customer_360, the columns of customer_rfm,
 * customer_clv and customer_lifecycle it lacks (r_score, churn_risk, days_since_last_purchase, …)
 * and the customer's next best product (`next_best_product`, `next_best_product_id`); dates are
 * literals computed here, so the SQL is the same on DuckDB and Athena.
 */
/** Marts whose columns the segment may use beyond customer_360's, joined on customer_key. */
export const SEGMENT_MARTS = ['customer_rfm', 'customer_clv', 'customer_lifecycle'] as const;

/** Every model an export reads (segmentSql): a build of these (and what they are built from) is enough to export. */
export const EXPORT_MODELS = ['customer_360', 'next_best_product', ...SEGMENT_MARTS, 'int_contacts', 'stg_calls', 'int_customer_keys', 'dim_customer', 'int_customer_consent'] as const;

/** The build's vars an export honours, with the marts' defaults: who a caller is, what a complaint is. */
export interface SegmentVars {
  calls_customer_system?: string;
  complaint_topic_pattern?: string;
}

export function segmentSql(engine: Engine, audience: Audience, start: string, extra: { mart: string; columns: string[] }[] = [], vars: SegmentVars = {}): string {
  const d = audience.definition;
  const ref = (name: string) => engine.modelRelation(name);
  const contactSince = addDays(start, -(d.exclusions.contacted_within_days ?? 0));
  const complaintSince = addDays(start, -(d.exclusions.complained_within_days ?? 0));
  const orderBy = d.size?.order_by ?? 'customer_key';
  const consentColumn = `${d.channel}_consent`;
  return `with candidates as (
    select c360.*,${extra.map((e, i) => e.columns.map((c) => ` m${i}.${quoteIdent(c)},`).join('')).join('')}
        nbp.product_id as next_best_product_id, nbp.product_name as next_best_product
    from ${ref('customer_360')} as c360
    left join ${ref('next_best_product')} as nbp on nbp.customer_key = c360.customer_key and nbp.candidate_rank = 1${extra
      .map((e, i) => `
    left join ${ref(e.mart)} as m${i} on m${i}.customer_key = c360.customer_key`)
      .join('')}
),
segment as (
    select customer_key, next_best_product, ${orderBy} as order_value from candidates where (${d.segment})
),
-- An earlier export of this same audience is not a reason to skip anyone: a re-export draws the
-- same customers into the same groups.
recent_contacts as (
    -- audience exports come from their records below (int_contacts has them only after a build)
    select customer_key from ${ref('int_contacts')}
    where direction = 'outbound' and contact_type <> 'audience' and contact_date >= date ${sqlString(contactSince)} and contact_date < date ${sqlString(start)}
    union
    select customer_key from ${engine.sourceRelation(EXPORTS_FEED, MEMBERS_TABLE)}
    where not is_control and audience <> ${sqlString(d.name)}
        and window_start >= date ${sqlString(contactSince)} and window_start <= date ${sqlString(start)}
),
recent_complaints as (
    select distinct keys.customer_key
    from ${ref('stg_calls')} as calls
    inner join ${ref('int_customer_keys')} as keys on keys.source_system = ${sqlString(vars.calls_customer_system ?? 'calls')} and keys.source_customer_id = calls.customer_id
    where (coalesce(calls.complaint, false) or lower(coalesce(calls.topic, '')) like ${sqlString(`%${vars.complaint_topic_pattern ?? 'complain'}%`)})
        and calls.call_date >= date ${sqlString(complaintSince)} and calls.call_date < date ${sqlString(start)}
),
running as (
    select distinct customer_key from ${engine.sourceRelation(EXPORTS_FEED, MEMBERS_TABLE)}
    where audience <> ${sqlString(d.name)} and window_start <= date ${sqlString(start)} and window_end >= date ${sqlString(start)}
)
select
    segment.customer_key,
    segment.next_best_product,
    segment.order_value,
    dim.email,
    dim.mobile,
    consent.${consentColumn} as consent,
    ${d.exclusions.contacted_within_days ? 'recent_contacts.customer_key is not null' : 'false'} as contacted_recently,
    ${d.exclusions.complained_within_days ? 'recent_complaints.customer_key is not null' : 'false'} as complained_recently,
    ${d.exclusions.in_other_running_audience ? 'running.customer_key is not null' : 'false'} as in_other_running_audience
from segment
left join ${ref('dim_customer')} as dim on dim.customer_key = segment.customer_key
left join ${ref('int_customer_consent')} as consent on consent.customer_key = segment.customer_key
left join (select distinct customer_key from recent_contacts) as recent_contacts on recent_contacts.customer_key = segment.customer_key
left join recent_complaints on recent_complaints.customer_key = segment.customer_key
left join running on running.customer_key = segment.customer_key
order by segment.order_value ${d.size?.direction ?? 'desc'} nulls last, segment.customer_key`;
}

/** Runs the segment on the engine; an error in the expression names the audience file. */
export async function queryCandidates(engine: Engine, audience: Audience, start: string, vars: SegmentVars = {}): Promise<Candidate[]> {
  let rows: Record<string, unknown>[];
  try {
    // The other customer marts' columns that customer_360 lacks (the first mart wins a name).
    const seen = new Set((await engine.query(`select * from ${engine.modelRelation('customer_360')} where 1 = 0`)).columns.map((c) => c.name));
    seen.add('next_best_product').add('next_best_product_id');
    const extra: { mart: string; columns: string[] }[] = [];
    for (const mart of SEGMENT_MARTS) {
      const columns = (await engine.query(`select * from ${engine.modelRelation(mart)} where 1 = 0`)).columns.map((c) => c.name).filter((c) => !seen.has(c));
      columns.forEach((c) => seen.add(c));
      if (columns.length) extra.push({ mart, columns });
    }
    ({ rows } = await engine.query(segmentSql(engine, audience, start, extra, vars)));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    if (/does not exist|not found/i.test(message) && engine.catalog().length === 0) {
      throw new AudienceError(`${message}\nThe lake has no built models yet: run \`crmlake build\` first.`);
    }
    throw new AudienceError(`${audience.file}: segment or size.order_by does not compile on the marts: ${message}`);
  }
  return rows.map((r) => ({
    customerKey: String(r.customer_key),
    email: (r.email as string | null) ?? null,
    mobile: (r.mobile as string | null) ?? null,
    nextBestProduct: (r.next_best_product as string | null) ?? null,
    orderValue: r.order_value,
    consent: r.consent === null || r.consent === undefined ? null : Boolean(r.consent),
    contactedRecently: Boolean(r.contacted_recently),
    complainedRecently: Boolean(r.complained_recently),
    inOtherRunningAudience: Boolean(r.in_other_running_audience),
  }));
}

/** The contact field the channel uses: e-mail for email, the mobile for sms, either for ads. */
export function hasContactField(channel: string, c: Pick<Candidate, 'email' | 'mobile'>): boolean {
  if (channel === 'email') return Boolean(c.email);
  if (channel === 'sms') return Boolean(c.mobile);
  return Boolean(c.email || c.mobile);
}

/**
 * Applies the exclusions (in a fixed order, each customer counted under the first that applies),
 * then the size cap, then the control split. Consent is not optional: only an explicit opt-in
 * (true) for the channel is consent; an opt-out or no statement excludes the customer.
 */
export function selectMembers(audience: Audience, candidates: Candidate[]): Selection {
  const d = audience.definition;
  const excluded: Record<ExclusionReason, number> = {
    no_consent: 0,
    no_contact_field: 0,
    contacted_recently: 0,
    complained_recently: 0,
    in_other_running_audience: 0,
    over_size_cap: 0,
  };
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    const reason: ExclusionReason | undefined =
      c.consent !== true
        ? 'no_consent'
        : !hasContactField(d.channel, c)
          ? 'no_contact_field'
          : c.contactedRecently
            ? 'contacted_recently'
            : c.complainedRecently
              ? 'complained_recently'
              : c.inOtherRunningAudience
                ? 'in_other_running_audience'
                : undefined;
    if (reason) excluded[reason]++;
    else eligible.push(c);
  }
  const cap = d.size?.cap ?? Infinity;
  const kept = eligible.slice(0, cap);
  excluded.over_size_cap = eligible.length - kept.length;
  return {
    segment: candidates.length,
    excluded,
    members: kept.map((c) => ({ ...c, isControl: isControl(d.name, c.customerKey, d.control_share) })),
  };
}
