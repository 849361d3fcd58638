/**
 * The customer master as program models in the build: standardize every customer record, match
 * them (src/customers/match), keep keys stable across builds, and store
 *   customer_xref          every source id → customer_key, with the rule and score that placed it
 *   dim_customer           the golden record per customer_key (survivorship: src/customers/golden.ts)
 *   customer_match_review  pairs a person should decide (export, fill `decision`, ingest as match-decisions)
 *   customer_key_events    every key created, merged or split, across builds
 *   customer_match_params  the matching parameters and how many records they were trained on
 * The previous build's customer_xref and customer_key_events are the memory that keeps keys stable;
 * its customer_match_params spare an incremental build the training while the records grow little,
 * and hold the fingerprint of everything the master read: a build whose records, review decisions,
 * settings and matching code are all unchanged keeps the five tables as they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, RowsRequest } from '../engine/engine.js';
import { resultDigest } from '../engine/format.js';
import { UNCHANGED, type ProgramContext, type ProgramModel } from '../models/program.js';
import { goldenRecord } from './golden.js';
import { loadParams, saveParams, type FsParams } from './match/fellegiSunter.js';
import { matchProfiles, type Decision, type KeyEvent, type MatchResult, type ReviewRow, type XrefRow } from './match/index.js';
import type { RawProfile, StandardProfile } from './profile.js';
import { standardizeProfile, type CountryCode } from './standardize/index.js';

const FILE = 'src/customers/models.ts';
const RECORDS = 'int_customer_records';
const DECISIONS = 'stg_match_decisions';

type Column = RowsRequest['columns'][number] & { description: string };

interface MasterRun {
  profiles: StandardProfile[];
  /** Source systems most trusted first (survivorship). */
  priority: string[];
  result: MatchResult;
  /** customer_key_events as the previous build left it (the log only grows). */
  earlierEvents: Record<string, unknown>[];
  /** The customer_match_params row: the parameters used, the records they were trained on, the run that trained them, the input fingerprint. */
  params: [string, number, string, string];
}

/** The previous build's customer master is kept: its inputs are unchanged. */
interface KeptRun {
  kept: true;
}

/** Records may grow by this share (var match_retrain_growth) before an incremental build trains the parameters again. */
const RETRAIN_GROWTH = 0.1;

/**
 * The parameters an incremental build reuses: the previous build's, while the records have not
 * grown by more than var match_retrain_growth since they were trained (a full build, match_mode
 * full, or parameters of another crmlake version train again).
 */
function reusableParams(
  stored: Record<string, unknown> | undefined,
  records: number,
  vars: ProgramContext['vars'],
): { params: FsParams; row: [string, number, string]; growth: number } | undefined {
  if (!stored || vars.match_mode === 'full') return undefined;
  const growth = Number(vars.match_retrain_growth ?? RETRAIN_GROWTH);
  if (!(growth >= 0)) throw new Error(`var match_retrain_growth must be a share ≥ 0 (0.1 = retrain when the records grew by 10%), not '${vars.match_retrain_growth}'`);
  const trainedOn = Number(stored.trained_records);
  if (!(records <= trainedOn * (1 + growth))) return undefined;
  try {
    return { params: loadParams(String(stored.params)), row: [String(stored.params), trainedOn, String(stored.trained_run_id)], growth };
  } catch {
    return undefined;
  }
}

/** One matching per build and engine: the other three models read what customer_xref computed. */
const runs = new WeakMap<Engine, MasterRun | KeptRun>();

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The relation of a model's previous build, or undefined when it was never built. */
async function previousRows(engine: Engine, model: string): Promise<Record<string, unknown>[] | undefined> {
  try {
    return (await engine.query(`SELECT * FROM ${engine.modelRelation(model)}`, { large: {} })).rows;
  } catch {
    return undefined;
  }
}

interface Standardized {
  profiles: StandardProfile[];
  /** Sources most trusted first: the mappings' `priority`, then var customer_source_priority. */
  priority: string[];
  /** Per source: phone values not read, by reason. */
  unreadPhones: Map<string, Map<string, number>>;
}

/**
 * Each record is read with its own source's settings: what its mapping declared (columns
 * default_country, day_first, source_priority of customer_profiles), else the build variables
 * customer_default_country, customer_day_first_systems / customer_month_first_systems and
 * customer_source_priority.
 */
function standardizedRecords(rows: readonly Record<string, unknown>[], vars: ProgramContext['vars']): Standardized {
  const dayFirst = new Set(list(vars.customer_day_first_systems));
  const monthFirst = new Set(list(vars.customer_month_first_systems));
  const defaultCountry = (vars.customer_default_country || undefined) as CountryCode | undefined;
  const declaredPriority = new Map<string, number>();
  const unreadPhones = new Map<string, Map<string, number>>();
  const profiles = rows.map((row) => {
    const raw = row as unknown as RawProfile;
    const system = raw.source_system;
    const declaredDayFirst = raw.day_first == null ? undefined : raw.day_first === true || String(raw.day_first) === 'true';
    const profile = standardizeProfile(raw, {
      dayFirst: declaredDayFirst ?? (dayFirst.has(system) ? true : monthFirst.has(system) ? false : undefined),
      defaultCountry: ((raw.default_country || undefined) as CountryCode | undefined) ?? defaultCountry,
    });
    if (raw.source_priority != null) {
      const p = Number(raw.source_priority);
      if (!(declaredPriority.get(system)! <= p)) declaredPriority.set(system, p);
    }
    for (const issue of profile.issues) {
      if (issue.field !== 'phone' && issue.field !== 'mobile') continue;
      // "invalid phone number (CN): TOO_SHORT" and "… : NOT_A_NUMBER" are one reason each.
      const reason = issue.reason;
      let bySource = unreadPhones.get(system);
      if (!bySource) unreadPhones.set(system, (bySource = new Map()));
      bySource.set(reason, (bySource.get(reason) ?? 0) + 1);
    }
    return profile;
  });
  const ranked = [...declaredPriority].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([system]) => system);
  const priority = [...ranked, ...list(vars.customer_source_priority).filter((s) => !declaredPriority.has(s))];
  return { profiles, priority, unreadPhones };
}

/** "loyalty: 1,204 phone values not read (1,180 national number and no country known …; 24 …)" per source. */
export function unreadPhoneNotes(unread: ReadonlyMap<string, ReadonlyMap<string, number>>): string[] {
  return [...unread].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([system, reasons]) => {
    const total = [...reasons.values()].reduce((x, y) => x + y, 0);
    const parts = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n.toLocaleString('en-US')} ${reason}`);
    return `${system}: ${total.toLocaleString('en-US')} phone value(s) not read (${parts.join('; ')})`;
  });
}

/** The models that are the customer master's output: kept, or written, together. */
const MASTER_MODELS = ['customer_xref', 'dim_customer', 'customer_key_events', 'customer_match_review', 'customer_match_params'];

/**
 * The code the master's result depends on: its own files (standardization, matching, survivorship)
 * and the versions of the libraries that read phones and names. Computed once per process. Its
 * TypeScript sources where they are beside it (a clone, whether it runs compiled from dist/ or
 * the sources themselves, as tests and an edited checkout do): the same code is one fingerprint,
 * and a run through tsx does not match every customer again. Else the files it runs from.
 */
let codeFingerprint: string | undefined;
function masterCode(): string {
  if (codeFingerprint) return codeFingerprint;
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.[cm]?[jt]s$/.test(entry.name)) hash.update(entry.name).update(readFileSync(file));
    }
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sources = path.resolve(here, '..', '..', 'src', 'customers');
  walk(existsSync(sources) ? sources : here);
  const require = createRequire(import.meta.url);
  for (const library of ['libphonenumber-js', 'pinyin-pro']) hash.update(`${library}@${(require(`${library}/package.json`) as { version: string }).version}`);
  return (codeFingerprint = hash.digest('hex'));
}

/**
 * Everything the customer master's result depends on: the digests of its inputs (records and
 * review decisions, as the engine computes them), the build variables it reads (all named
 * customer_* or match_*) and its code.
 */
export function masterFingerprint(inputs: readonly string[], vars: ProgramContext['vars'], code = masterCode()): string {
  const settings = Object.entries(vars).filter(([name]) => name.startsWith('customer_') || name.startsWith('match_')).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return createHash('sha256').update(code).update(JSON.stringify(settings)).update(JSON.stringify(inputs)).digest('hex');
}

async function runMaster(context: ProgramContext): Promise<MasterRun | KeptRun> {
  const { engine } = context;
  const recordsSql = `SELECT * FROM ${context.ref(RECORDS)}`;
  const decisionsSql = `SELECT record_id_a, record_id_b, decision, reviewer FROM ${context.ref(DECISIONS)}`;
  const ordered = { large: { order: 'source_system, source_customer_id' } };
  // An engine that digests by reading (Athena) reads the records once, for the digest and the match.
  const read = engine.capabilities.fingerprintsInPlace ? undefined : await engine.query(recordsSql, ordered);
  const fingerprint = masterFingerprint([read ? resultDigest(read) : await engine.fingerprint(recordsSql), await engine.fingerprint(decisionsSql)], context.vars);
  const storedParams = (await previousRows(engine, 'customer_match_params'))?.[0];
  const stored = new Set(engine.catalog().map((entry) => entry.name));
  if (!context.fullRefresh && storedParams?.input_fingerprint === fingerprint && MASTER_MODELS.every((model) => stored.has(model))) {
    context.note(
      `records, review decisions, settings and matching code unchanged since the build that stored the customer master: its tables are kept ` +
        `(crmlake build --full-refresh matches again)`,
    );
    const kept: KeptRun = { kept: true };
    runs.set(engine, kept);
    return kept;
  }
  const { rows } = read ?? (await engine.query(recordsSql, ordered));
  const decisions = (await engine.query(decisionsSql)).rows as unknown as Decision[];
  const { profiles, priority, unreadPhones } = standardizedRecords(rows, context.vars);
  for (const line of unreadPhoneNotes(unreadPhones)) context.note(line);
  const previous = (await previousRows(context.engine, 'customer_xref')) as unknown as XrefRow[] | undefined;
  const earlierEvents = (await previousRows(context.engine, 'customer_key_events')) ?? [];
  const previousEvents = earlierEvents.map((e) => ({
    run_id: String(e.run_id),
    event: e.event as KeyEvent['event'],
    customer_key: String(e.customer_key),
    from_key: (e.from_key as string | null) ?? null,
    record_ids: String(e.record_ids ?? '').split(' ').filter(Boolean),
  }));
  const previousReview = (await previousRows(context.engine, 'customer_match_review')) as unknown as ReviewRow[] | undefined;
  const reused = previous?.length ? reusableParams(storedParams, profiles.length, context.vars) : undefined;
  // The matcher's own defaults (merge ≥ 0.5, review ≥ 0.05) are the ones measured by bench/match.ts.
  const thresholds =
    context.vars.match_merge_probability || context.vars.match_review_probability
      ? { merge: Number(context.vars.match_merge_probability ?? 0.5), review: Number(context.vars.match_review_probability ?? 0.05) }
      : undefined;
  const runId = new Date().toISOString();
  const result = matchProfiles(profiles, {
    params: reused?.params,
    previous: previous?.length ? previous : undefined,
    previousEvents,
    previousReview,
    decisions,
    thresholds,
    mode: context.vars.match_mode === 'full' ? 'full' : undefined,
    runId,
  });
  const { stats } = result;
  context.note(
    `${stats.records.toLocaleString('en-US')} records → ${stats.clusters.toLocaleString('en-US')} customers (${stats.mode}); ` +
      `${stats.candidatePairs.toLocaleString('en-US')} candidate pairs, ${stats.review} to review; keys created ${stats.keys.created}, merged ${stats.keys.merged}, split ${stats.keys.split}` +
      (decisions.length ? `; ${decisions.length} review decision(s) applied` : ''),
  );
  context.note(
    reused
      ? `matching parameters of ${reused.row[2]} reused (trained on ${reused.row[1].toLocaleString('en-US')} records; trained again when the records grow by ` +
          `${reused.growth * 100}%, var match_retrain_growth, or with match_mode=full)`
      : `matching parameters trained on ${profiles.length.toLocaleString('en-US')} records`,
  );
  const issues = profiles.reduce((n, p) => n + p.issues.length, 0);
  if (issues) context.note(`${issues.toLocaleString('en-US')} profile values not used (invalid or ambiguous): see dim_customer.issues`);
  const run: MasterRun = { profiles, priority, result, earlierEvents, params: [...(reused?.row ?? [saveParams(result.params), profiles.length, runId]), fingerprint] };
  runs.set(context.engine, run);
  return run;
}

function masterRun(context: ProgramContext, model: string): MasterRun | KeptRun {
  const run = runs.get(context.engine);
  if (!run) throw new Error(`${model} is computed with customer_xref: build them together (crmlake build --select customer_xref+)`);
  return run;
}

const XREF_COLUMNS: Column[] = [
  { name: 'customer_key', type: 'VARCHAR', description: 'The golden customer key: stable across builds; C + base32 of a hash of the first record' },
  { name: 'record_id', type: 'VARCHAR', description: 'source_system:source_customer_id' },
  { name: 'source_system', type: 'VARCHAR', description: 'System the id belongs to' },
  { name: 'source_customer_id', type: 'VARCHAR', description: "The customer's id in that system" },
  { name: 'match_rule', type: 'VARCHAR', description: "What placed the record: exact:<rule>, fuzzy (Fellegi-Sunter above the merge threshold), review:same (a reviewer's decision), mobile_only (a record with no name, placed with the one customer holding its mobile) or new" },
  { name: 'match_score', type: 'DOUBLE', description: 'Match probability of the link that placed it (1 for exact rules, NULL for new)' },
  { name: 'profile_hash', type: 'VARCHAR', description: 'Hash of the standardized profile: a changed record is matched again' },
];

const customerXref: ProgramModel = {
  name: 'customer_xref',
  file: FILE,
  // The next build matches against these (and keeps them all when nothing changed): written with
  // every customer_xref, whatever the selection.
  memory: MASTER_MODELS.filter((model) => model !== 'customer_xref'),
  refs: [RECORDS, DECISIONS],
  description:
    'Every customer id seen in any feed and the golden customer_key it belongs to. Records are standardized, de-duplicated on exact keys, ' +
    'then matched with Fellegi-Sunter scoring over blocked candidate pairs; above var match_merge_probability (0.5) they merge, between it and ' +
    'match_review_probability (0.05) they go to customer_match_review. Keys survive builds: with a previous xref only new or changed records are matched.',
  columns: XREF_COLUMNS,
  async build(context) {
    const run = await runMaster(context);
    if ('kept' in run) return UNCHANGED;
    return run.result.xref.map((x) => [x.customer_key, x.record_id, x.source_system, x.source_customer_id, x.match_rule, x.match_score, x.profile_hash]);
  },
};

const DIM_COLUMNS: Column[] = [
  { name: 'customer_key', type: 'VARCHAR', description: 'The golden customer key' },
  { name: 'family_name', type: 'VARCHAR', description: 'From the best-ranked record with a name (trust, then recency, then completeness)' },
  { name: 'given_name', type: 'VARCHAR', description: 'From the same record as family_name' },
  { name: 'full_name', type: 'VARCHAR', description: 'The name as that record wrote it' },
  { name: 'gender', type: 'VARCHAR', description: 'F / M / U: the most common of F and M across records' },
  { name: 'birth_date', type: 'DATE', description: 'The birth date most records agree on' },
  { name: 'email', type: 'VARCHAR', description: 'From the best-ranked record with an e-mail' },
  { name: 'phones', type: 'VARCHAR', description: 'Every distinct phone (E.164) of every record, mobiles first, space-separated' },
  { name: 'mobile', type: 'VARCHAR', description: 'The first mobile number' },
  { name: 'country', type: 'VARCHAR', description: 'Address (all parts from one record: the best-ranked with a street or city)' },
  { name: 'province', type: 'VARCHAR', description: 'Province or state' },
  { name: 'city', type: 'VARCHAR', description: 'City' },
  { name: 'district', type: 'VARCHAR', description: 'District' },
  { name: 'street', type: 'VARCHAR', description: 'Street address' },
  { name: 'postcode', type: 'VARCHAR', description: 'Postcode' },
  { name: 'source_systems', type: 'VARCHAR', description: 'Systems the customer is known in, comma-separated' },
  { name: 'records', type: 'INTEGER', description: 'Source records merged into the customer' },
  { name: 'best_record_id', type: 'VARCHAR', description: 'The best-ranked record' },
  { name: 'updated_at', type: 'VARCHAR', description: 'Latest change in any of its records' },
  { name: 'issues', type: 'VARCHAR', description: 'Values of its records that standardization did not use, and why (field: value — reason; …)' },
];

const dimCustomer: ProgramModel = {
  name: 'dim_customer',
  file: FILE,
  refs: ['customer_xref'],
  description:
    'The golden record: one row per customer_key, survivorship by source trust (the mappings\' rules priority, then var customer_source_priority, a comma list, most trusted first), ' +
    'then recency, then completeness; rules per field in docs/customers.md.',
  columns: DIM_COLUMNS,
  async build(context) {
    const run = masterRun(context, 'dim_customer');
    if ('kept' in run) return UNCHANGED;
    const { profiles, result, priority } = run;
    const byRecord = new Map(profiles.map((p) => [p.recordId, p]));
    const members = new Map<string, StandardProfile[]>();
    for (const x of result.xref) {
      const profile = byRecord.get(x.record_id);
      if (!profile) continue;
      const group = members.get(x.customer_key);
      if (group) group.push(profile);
      else members.set(x.customer_key, [profile]);
    }
    return [...members].map(([key, records]) => {
      const g = goldenRecord(key, records, priority);
      const issues = records.flatMap((p) => p.issues.map((i) => `${p.recordId} ${i.field}: ${i.value} — ${i.reason}`)).join('; ');
      return [g.customer_key, g.family_name, g.given_name, g.full_name, g.gender, g.birth_date, g.email, g.phones, g.mobile, g.country, g.province,
        g.city, g.district, g.street, g.postcode, g.source_systems, g.records, g.best_record_id, g.updated_at, issues || null];
    });
  },
};

const COMPARED = ['name', 'birth_date', 'phone', 'email', 'address', 'gender'] as const;

const REVIEW_COLUMNS: Column[] = [
  { name: 'record_id_a', type: 'VARCHAR', description: 'One record of the pair' },
  { name: 'record_id_b', type: 'VARCHAR', description: 'The other record' },
  { name: 'customer_key_a', type: 'VARCHAR', description: 'Key record a has now' },
  { name: 'customer_key_b', type: 'VARCHAR', description: 'Key record b has now' },
  { name: 'match_probability', type: 'DOUBLE', description: 'Fellegi-Sunter match probability' },
  { name: 'match_weight', type: 'DOUBLE', description: 'Match weight in bits (log2 odds)' },
  { name: 'reason', type: 'VARCHAR', description: 'between_thresholds, or a merge-strength pair refused: chain_conflict / cluster_too_large (the chaining guard), needs_identifier (no shared phone or e-mail and the names do not agree in full), ambiguous_partial_name (王先生 fits two customers)' },
  ...COMPARED.flatMap((field) => [
    { name: `${field}_a`, type: 'VARCHAR' as const, description: `${field} of record a as compared` },
    { name: `${field}_b`, type: 'VARCHAR' as const, description: `${field} of record b as compared` },
    { name: `${field}_level`, type: 'VARCHAR' as const, description: `How the ${field}s compare (the comparison level)` },
  ]),
  { name: 'decision', type: 'VARCHAR', description: 'Empty: for the reviewer to write same or different, then ingest the file as match-decisions' },
  { name: 'reviewer', type: 'VARCHAR', description: 'Empty: who decided' },
  { name: 'decided_at', type: 'VARCHAR', description: 'Empty: when (ISO date-time)' },
];

const customerMatchReview: ProgramModel = {
  name: 'customer_match_review',
  file: FILE,
  refs: ['customer_xref'],
  description:
    'Pairs of records the model is unsure about, strongest first: export it (crmlake sql --format csv "select * from customer_match_review"), ' +
    'write same / different in `decision`, and `crmlake ingest match-decisions <file>`; the next build applies the decisions.',
  columns: REVIEW_COLUMNS,
  async build(context) {
    const run = masterRun(context, 'customer_match_review');
    if ('kept' in run) return UNCHANGED;
    return [...run.result.review]
      .sort((a, b) => b.match_probability - a.match_probability)
      .map((r) => {
        const compared = COMPARED.flatMap((field) => {
          const c = r.comparisons.find((x) => x.comparison === field);
          return [c?.value_a ?? null, c?.value_b ?? null, c?.level ?? null];
        });
        return [r.record_id_a, r.record_id_b, r.customer_key_a, r.customer_key_b, r.match_probability, r.match_weight, r.reason, ...compared, null, null, null];
      });
  },
};

const EVENT_COLUMNS: Column[] = [
  { name: 'run_id', type: 'VARCHAR', description: 'The build that recorded the event (its start time)' },
  { name: 'event', type: 'VARCHAR', description: 'create (a new key), merge (from_key merged into customer_key), split (records moved from from_key to customer_key)' },
  { name: 'customer_key', type: 'VARCHAR', description: 'The key created, or surviving' },
  { name: 'from_key', type: 'VARCHAR', description: 'The key merged away or split from' },
  { name: 'record_ids', type: 'VARCHAR', description: 'Records concerned, space-separated' },
  { name: 'records', type: 'INTEGER', description: 'How many records' },
];

const customerKeyEvents: ProgramModel = {
  name: 'customer_key_events',
  file: FILE,
  refs: ['customer_xref'],
  description: 'The audit trail of customer keys across builds: every key created, merged into another, or split. Never shrinks.',
  columns: EVENT_COLUMNS,
  async build(context) {
    const run = masterRun(context, 'customer_key_events');
    if ('kept' in run) return UNCHANGED;
    const { result, earlierEvents } = run;
    const rows = earlierEvents.map((e) => EVENT_COLUMNS.map((c) => (e[c.name] ?? null) as string | number | null));
    for (const e of result.events) rows.push([e.run_id, e.event, e.customer_key, e.from_key, e.record_ids.join(' '), e.record_ids.length]);
    return rows;
  },
};

const customerMatchParams: ProgramModel = {
  name: 'customer_match_params',
  file: FILE,
  refs: ['customer_xref'],
  description:
    'The Fellegi-Sunter parameters customer_xref matched with (m and u per comparison level, prior, blocking, no personal data) and how many records ' +
    'they were trained on. An incremental build reuses them until the records grow by var match_retrain_growth (default 0.1); a full build trains again.',
  columns: [
    { name: 'params', type: 'VARCHAR', description: 'The parameters as JSON (src/customers/match/fellegiSunter.ts FsParams)' },
    { name: 'trained_records', type: 'INTEGER', description: 'Records the parameters were trained on' },
    { name: 'trained_run_id', type: 'VARCHAR', description: 'The build that trained them (its start time)' },
    {
      name: 'input_fingerprint',
      type: 'VARCHAR',
      description: 'SHA-256 of what the master read (records, review decisions, customer_* and match_* variables, its code): the next build keeps the master when it is the same',
    },
  ],
  async build(context) {
    const run = masterRun(context, 'customer_match_params');
    return 'kept' in run ? UNCHANGED : [run.params];
  },
};

export const CUSTOMER_MODELS: ProgramModel[] = [customerXref, dimCustomer, customerMatchReview, customerKeyEvents, customerMatchParams];

