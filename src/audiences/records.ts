import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceTable } from '../engine/engine.js';
import { sqlString } from '../engine/sql.js';
import type { Lake } from '../lake/lake.js';

/**
 * Every audience export is recorded in the lake, in a zone of its own:
 *   activation/audience_members/dt=<export date>/<export id>.parquet   one row per customer, target or control
 *   _manifests/audience-exports/<export id>.json                      the commit: files, counts, the definition used
 * The rows carry what measurement needs (audience, version, window, group, cost), so a later
 * build measures the campaign as it was sent even when the YAML has changed or been deleted. No
 * contact field is recorded here: who was reached is the customer key, the vendor files hold
 * the contact data and stay outside the lake.
 *
 * The records are registered with the engine like a feed's curated table (the manifest lists
 * the files readers may see), as source `audience-exports.audience_members`.
 */
export const EXPORTS_FEED = 'audience-exports';
export const MEMBERS_TABLE = 'audience_members';

/** One export's id: the audience and the export's UTC time to the second (`win-back-at-risk-20261031T010000Z`). */
export function exportIdOf(audience: string, exportedAt: Date): string {
  return `${audience}-${exportedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export const MEMBER_COLUMNS: { name: string; type: string; doc: string }[] = [
  { name: 'export_id', type: 'VARCHAR', doc: 'One export: <audience>-<UTC timestamp>' },
  { name: 'audience', type: 'VARCHAR', doc: 'Audience name (the YAML file name)' },
  { name: 'audience_version', type: 'VARCHAR', doc: "The definition's version label, else sha256:<12 hex> of its file" },
  { name: 'channel', type: 'VARCHAR', doc: 'email, sms or ads' },
  { name: 'offer', type: 'VARCHAR', doc: 'The offer text sent' },
  { name: 'exported_at', type: 'TIMESTAMP', doc: 'When the export ran (UTC)' },
  { name: 'exported_by', type: 'VARCHAR', doc: 'Operating-system user who ran it' },
  { name: 'window_start', type: 'DATE', doc: 'First day of the response window (the campaign start)' },
  { name: 'window_end', type: 'DATE', doc: 'Last day of the response window' },
  { name: 'customer_key', type: 'VARCHAR', doc: 'Golden customer key' },
  { name: 'is_control', type: 'BOOLEAN', doc: 'true: held out (not contacted); false: target (sent to the vendor)' },
  { name: 'cost_per_contact', type: 'DOUBLE', doc: 'Cost of one target contact' },
  { name: 'fixed_cost', type: 'DOUBLE', doc: 'Fixed cost of the campaign' },
  { name: 'gross_margin_rate', type: 'DOUBLE', doc: 'Gross margin on revenue used for ROI' },
  { name: 'export_date', type: 'DATE', doc: 'UTC date of exported_at (the dt= partition)' },
];

export const MEMBERS_SOURCE: SourceTable = {
  feed: EXPORTS_FEED,
  table: MEMBERS_TABLE,
  columns: MEMBER_COLUMNS.map(({ name, type }) => ({ name, type })),
  partitionColumn: 'export_date',
  zone: 'activation',
};

export interface ExportRecord {
  exportId: string;
  audience: string;
  version: string;
  channel: string;
  offer: string;
  exportedAt: Date;
  exportedBy: string;
  windowStart: string;
  windowEnd: string;
  costPerContact: number;
  fixedCost: number;
  grossMarginRate: number;
  members: { customerKey: string; isControl: boolean }[];
}

export interface ExportManifest {
  export_id: string;
  audience: string;
  audience_version: string;
  exported_at: string;
  exported_by: string;
  window_start: string;
  window_end: string;
  target: number;
  control: number;
  excluded: Record<string, number>;
  /** The audience file's text as it was when exported. */
  definition: string;
  files: { curated: string[]; quarantine: string[] };
}

/**
 * Writes the members as parquet and then the manifest (the commit: until it exists, no reader
 * sees the file). Runs under the lake's writer lock (the caller holds it).
 */
export async function writeExportRecord(
  lake: Lake,
  record: ExportRecord,
  extra: { excluded: Record<string, number>; definition: string },
): Promise<ExportManifest> {
  const manifestKey = exportManifestKey(record.exportId);
  await assertNotRecorded(lake, record.exportId);
  const exportDate = record.exportedAt.toISOString().slice(0, 10);
  const key = `activation/${MEMBERS_TABLE}/dt=${exportDate}/${record.exportId}.parquet`;
  const scratch = await lake.scratch();
  const jsonFile = path.join(scratch, 'members.jsonl');
  const parquetFile = path.join(scratch, 'members.parquet');
  const common = {
    export_id: record.exportId,
    audience: record.audience,
    audience_version: record.version,
    channel: record.channel,
    offer: record.offer,
    exported_at: record.exportedAt.toISOString(),
    exported_by: record.exportedBy,
    window_start: record.windowStart,
    window_end: record.windowEnd,
    cost_per_contact: record.costPerContact,
    fixed_cost: record.fixedCost,
    gross_margin_rate: record.grossMarginRate,
    export_date: exportDate,
  };
  await writeFile(jsonFile, record.members.map((m) => JSON.stringify({ ...common, customer_key: m.customerKey, is_control: m.isControl })).join('\n') + '\n');
  // Loaded here, not at the top: the warehouse imports this module for MEMBERS_SOURCE, and an
  // Athena Lambda must not load DuckDB's native binding.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const columns = MEMBER_COLUMNS.map((c) => `"${c.name}": '${c.type === 'TIMESTAMP' ? 'VARCHAR' : c.type}'`).join(', ');
    const select = MEMBER_COLUMNS.map((c) => (c.type === 'TIMESTAMP' ? `cast(cast("${c.name}" as timestamptz) at time zone 'UTC' as timestamp) as "${c.name}"` : `"${c.name}"`)).join(', ');
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run(
      `COPY (SELECT ${select} FROM read_json(${sqlString(jsonFile)}, format = 'newline_delimited', columns = {${columns}})) TO ${sqlString(parquetFile)} (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await lake.putFile(parquetFile, key, { move: true });
  await rm(scratch, { recursive: true, force: true });
  const manifest: ExportManifest = {
    export_id: record.exportId,
    audience: record.audience,
    audience_version: record.version,
    exported_at: record.exportedAt.toISOString(),
    exported_by: record.exportedBy,
    window_start: record.windowStart,
    window_end: record.windowEnd,
    target: record.members.filter((m) => !m.isControl).length,
    control: record.members.filter((m) => m.isControl).length,
    excluded: extra.excluded,
    definition: extra.definition,
    files: { curated: [key], quarantine: [] },
  };
  await lake.writeJsonAtomic(manifestKey, manifest);
  return manifest;
}

const exportManifestKey = (exportId: string) => `_manifests/${EXPORTS_FEED}/${exportId}.json`;

/** Ids are per second: a second export of an audience in the same second must not replace the first. */
export async function assertNotRecorded(lake: Lake, exportId: string): Promise<void> {
  if (await lake.exists(exportManifestKey(exportId))) throw new Error(`export ${exportId} is already recorded; run it again in a second`);
}

/** Every recorded export, oldest first. */
export async function listExports(lake: Lake): Promise<ExportManifest[]> {
  const manifests = await lake.listManifests<ExportManifest>(EXPORTS_FEED);
  return manifests.sort((a, b) => a.exported_at.localeCompare(b.exported_at) || a.export_id.localeCompare(b.export_id));
}
