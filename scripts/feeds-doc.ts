/**
 * Writes docs/feeds.md from the feed definitions (src/feeds/<feed>/schema.ts) and their built-in
 * mappings (src/feeds/<feed>/mappings/*.yaml, whose comments describe the source and its quirks),
 * so the page cannot drift from the code. A unit test compares the file with this output.
 *
 *   node --import tsx scripts/feeds-doc.ts           # rewrite docs/feeds.md
 *   node --import tsx scripts/feeds-doc.ts --check   # exit 1 if docs/feeds.md is stale
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINEAGE_COLUMNS, type CanonicalColumn, type FeedDefinition } from '../src/feeds/feed.js';
import { FEEDS } from '../src/feeds/index.js';
import { loadMapping, type Mapping } from '../src/feeds/mapping.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FEEDS_DOC = path.join(REPO, 'docs', 'feeds.md');

/** What each feed holds and what it rejects: one short paragraph per feed (required for every feed). */
const ABOUT: Record<string, string> = {
  pos:
    'Point-of-sale line items: one row per receipt line, returns included; `line_amount` is computed exactly in SQL. ' +
    'Rejected: a missing order id, stock code, sale time or store; quantity 0; a negative price; a cancellation with a positive quantity; a currency that is not ISO 4217.',
  calls:
    'Call-center contacts: one row per call or ticket. ' +
    'Rejected: a rating outside the scale, talk time on an unanswered call, a missing answered flag, impossible times, unreadable durations.',
  web:
    'Clickstream events (views, searches, carts, purchases). ' +
    'Rejected: a missing event or session id, an unknown event type, a negative offset or value, an event with no date.',
  customers:
    'Customer profile records from any source system (membership sign-ups, dealers, service stations, web accounts). ' +
    'Text is kept as written, only trimmed: names, phones and genders are standardized and matched to people in a later step. ' +
    'Rejected: no source_customer_id; the same customer again within one file (the later record, with the line of the first). ' +
    'Per-source settings go in the mapping\'s `rules` — `default_country` (ISO code for national phone numbers such as 0731-… or 138…), ' +
    '`day_first` (true: 03/04/1985 is 3 April), `priority` (survivorship rank, 1 first) and `systems` (the same per source_system value) — ' +
    'and are stamped on every row (default_country, day_first, source_priority); see docs/customers.md.',
  surveys:
    'Satisfaction responses and reviews. Key: response_id + order_id. A response attached to two different orders is a review of ' +
    'both and lands as two rows; the same response for the same order again within a file is quarantined, naming the line of the first. ' +
    'Rejected also: a score outside scale_min..scale_max, an NPS score outside 0-10, a response with no score and no comment, no answer or creation time.',
  'web-orders':
    'Web-shop orders (the `web` feed is the clickstream; orders, items and payments are three feeds joined by order_id). ' +
    'Rejected: no order id or purchase time; an order id already seen in the file.',
  'web-order-items':
    'One row per order item. Money is DECIMAL(18,4), exact. ' +
    'Rejected: no order id, product or price; an item number below 1; a negative price or freight; more than 4 decimal places; an item already seen in the file.',
  'match-decisions':
    "Reviewers' decisions on candidate pairs of customer records (an export of the customer_match_review mart with `decision` filled in); " +
    'the customer master applies them on the next build, overriding the model. Blank decisions land as undecided. ' +
    'Rejected: a missing or malformed record id, a record paired with itself, a decision other than same / different (yes / no).',
  campaigns:
    'Marketing campaigns from the campaign tool, in the columns of the `campaigns` seed; stg_campaigns reads this feed when it holds any row, else the seed. ' +
    'Rejected: no campaign id, channel, start or end date; an unknown offer type; an end before the start; a campaign already seen in the file.',
  'campaign-members':
    'Campaign audiences: one row per campaign and customer (source system + id), treatment or held-out control; stg_campaign_members reads this feed when it holds any row, else the seed. ' +
    'Rejected: a missing campaign, system, customer id or is_control; a control member with a contact date; a member already in the campaign in the file.',
  'web-payments':
    'One row per payment of an order (an order can be paid in parts). Zero payments and unknown methods land: they are real. ' +
    'Rejected: a negative value or number of installments; a sequence below 1; a payment already seen in the file.',
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function columnTable(columns: CanonicalColumn[]): string {
  return ['| column | type | meaning |', '|---|---|---|', ...columns.map((c) => `| ${c.name} | ${c.type} | ${cell(c.doc)} |`)].join('\n');
}

/** The YAML's leading comment (the source layout) and the comments just above a field or rule (its quirks). */
function mappingComments(text: string): { header: string[]; notes: Map<string, string[]> } {
  const header: string[] = [];
  const notes = new Map<string, string[]>();
  let pending: string[] = [];
  let inHeader = true;
  for (const line of text.split(/\r?\n/)) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      (inHeader ? header : pending).push(comment[1]!.trim());
      continue;
    }
    inHeader = false;
    const key = /^\s*([A-Za-z0-9_]+):/.exec(line);
    if (key && pending.length) notes.set(key[1]!, pending);
    pending = [];
  }
  return { header, notes };
}

/** Separates the source's column list (a run of 3+ delimited names, on its own or after "…: ") from the prose. */
function splitHeader(header: string[]): { prose: string; columns?: string } {
  let columns: string | undefined;
  const prose: string[] = [];
  for (const line of header) {
    const at = line.lastIndexOf(': ');
    const [lead, tail] = at >= 0 ? [line.slice(0, at + 1), line.slice(at + 2)] : ['', line];
    if (!columns && (tail.match(/[,;]/g)?.length ?? 0) >= 3 && !/[,;] /.test(tail)) {
      columns = tail;
      const rest = lead.replace(/^Header:$/, '').replace(/:$/, '.');
      if (rest) prose.push(rest);
    } else {
      prose.push(line);
    }
  }
  return { prose: prose.join(' '), columns };
}

function describeField(field: string, spec: Mapping['fields'][string]): string {
  const from = spec.value !== undefined ? `= "${spec.value}"` : spec.columns ? `← ${spec.columns.join(' + ')}` : `← ${spec.column}`;
  const how = spec.transform ? ` (${spec.transform}${spec.format ? ` \`${spec.format}\`` : ''})` : '';
  return `\`${field}\` ${from}${how}`;
}

async function mappingSection(feed: FeedDefinition, file: string): Promise<string> {
  const mapping = await loadMapping(feed, path.join(feed.mappingsDir, file));
  const { header, notes } = mappingComments(await readFile(path.join(feed.mappingsDir, file), 'utf8'));
  const lines = [`#### \`${mapping.name}\` (version ${mapping.version})${feed.defaultMapping === mapping.name ? ' — the default' : ''}`, ''];
  if (mapping.description) lines.push(`${mapping.description}.`, '');
  const { prose, columns } = splitHeader(header);
  if (prose) lines.push(prose, '');
  const source = mapping.source;
  const layout = [
    source.format,
    source.format === 'csv' ? `delimiter \`${source.delimiter}\`` : '',
    source.encoding !== 'utf-8' ? source.encoding : '',
    `NULL: ${source.null_values.map((v) => (v === '' ? 'blank' : `\`${v}\``)).join(', ')}`,
    columns ? `header \`${columns}\`` : '',
  ].filter(Boolean);
  lines.push(`- Source: ${layout.join(', ')}`);
  lines.push(`- Fields: ${Object.entries(mapping.fields).map(([f, s]) => describeField(f, s)).join(' · ')}`);
  const rules = Object.entries(mapping.rules);
  if (rules.length) lines.push(`- Rules: ${rules.map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`).join(' · ')}`);
  for (const [key, text] of notes) lines.push(`- \`${key}\`: ${text.join(' ')}`);
  return lines.join('\n');
}

/** The whole page, from the registered feeds and the mapping files on disk. */
export async function renderFeedsDoc(): Promise<string> {
  const feeds = Object.values(FEEDS);
  const missing = feeds.filter((f) => !ABOUT[f.name]).map((f) => f.name);
  if (missing.length) throw new Error(`scripts/feeds-doc.ts: describe the feed(s) ${missing.join(', ')} in ABOUT`);
  const parts = [
    '# Feeds',
    '',
    '<!-- Generated by `node --import tsx scripts/feeds-doc.ts` from src/feeds/*/schema.ts and the built-in mappings; edit those, not this file. -->',
    '',
    'Each feed lands in `curated.<table>` (parquet, partitioned by `business_date`) with the lineage columns below; rejected rows go to ' +
      '`quarantine."<feed>"` with the file, line, field and reason. Ingest with `crmlake ingest <feed> <files> [--mapping <name|file>]`. ' +
      'Types are SQL types DuckDB and Athena share.',
    '',
    'How a file is read: for the feeds whose checks have a SQL form (' +
      feeds.filter((f) => f.sqlRules).map((f) => `\`${f.name}\``).join(', ') +
      ') and a file of 3,000 records or more (smaller files are quicker in JavaScript) — a CSV whose records are one line each, ' +
      'or JSON lines with flat keys; a file in another encoding (GBK) is first decoded to UTF-8 as the JavaScript reader decodes it — ' +
      'DuckDB parses, maps, checks and writes the rows itself; the rows its ' +
      'checks flag (and, where a check depends on other rows, the rows tied to them: the other unnumbered lines of a POS order — where the mapping maps line numbers, a line without one is flagged and the validator numbers it, so DuckDB numbers lines only for sources that have none —, ' +
      'every line of a repeated key: a web order, a customer id within its system, a survey response for an order) are judged by the JavaScript checks, which land or quarantine them with the same ' +
      'reasons as always; so are JSON lines DuckDB reads otherwise than JSON.parse (trailing commas, NaN, a key twice, numbers ' +
      'JavaScript writes with an exponent or rounds, objects and arrays in a mapped field, white space other than spaces). ' +
      'Other files (bytes the encoding cannot read, nested keys, ' +
      'quoted line breaks, a transform with no SQL form, more than 50,000 ' +
      'flagged rows) are read by the JavaScript checks whole. The result is the same row for row either way (a differential ' +
      'test holds them to it); the run record in the lake (`_runs/`) says which read each file (`checkedBy`: sql, sql+javascript or javascript).',
    '',
    '| feed | table | built-in mappings |',
    '|---|---|---|',
  ];
  const mappingFiles = new Map<string, string[]>();
  for (const feed of feeds) {
    const files = (await readdir(feed.mappingsDir)).filter((f) => f.endsWith('.yaml')).sort();
    const own: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(feed.mappingsDir, file), 'utf8');
      if (new RegExp(`^feed:\\s*${feed.name}\\s*$`, 'm').test(text)) own.push(file);
    }
    mappingFiles.set(feed.name, own);
    parts.push(`| ${feed.name} | ${feed.table} | ${own.map((f) => `\`${f.replace(/\.yaml$/, '')}\``).join(', ')} |`);
  }
  for (const feed of feeds) {
    parts.push('', `## ${feed.name} → \`curated.${feed.table}\``, '', ABOUT[feed.name]!, '', columnTable(feed.columns));
    if (Object.keys(feed.derivedSql).length) {
      parts.push('', `Computed in SQL when rows are written: ${Object.entries(feed.derivedSql).map(([c, sql]) => `\`${c}\` = \`${sql}\``).join('; ')}.`);
    }
    parts.push('', '### Built-in mappings');
    for (const file of mappingFiles.get(feed.name)!) parts.push('', await mappingSection(feed, file));
  }
  parts.push('', '## Lineage columns (every curated table)', '', columnTable(LINEAGE_COLUMNS), '');
  return parts.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await renderFeedsDoc();
  if (process.argv.includes('--check')) {
    const current = await readFile(FEEDS_DOC, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), FEEDS_DOC)} is stale: run node --import tsx scripts/feeds-doc.ts`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), FEEDS_DOC)} is up to date`);
  } else {
    await writeFile(FEEDS_DOC, text);
    console.log(`wrote ${path.relative(process.cwd(), FEEDS_DOC)} (${Object.keys(FEEDS).length} feeds)`);
  }
}
