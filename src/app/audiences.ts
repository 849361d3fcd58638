import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadAudience, loadAudiences, type Audience } from '../audiences/definition.js';
import { vendorFile } from '../audiences/files.js';
import { assertNotRecorded, exportIdOf, listExports, writeExportRecord, type ExportManifest } from '../audiences/records.js';
import { addDays, queryCandidates, selectMembers, type Selection } from '../audiences/select.js';
import type { Lake } from '../lake/lake.js';
import { parseVars, type WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

export interface AudienceSummary {
  name: string;
  version: string;
  channel: string;
  file: string;
  description?: string;
  exports: number;
  lastExport?: string;
}

/** The audiences of the folder with how often each was exported into this lake. */
export async function listAudiences(lake: Lake, options: { dir?: string } = {}): Promise<AudienceSummary[]> {
  const [audiences, exports] = await Promise.all([loadAudiences(options.dir), listExports(lake)]);
  return audiences.map((a) => {
    const mine = exports.filter((e) => e.audience === a.definition.name);
    return {
      name: a.definition.name,
      version: a.version,
      channel: a.definition.channel,
      file: a.file,
      description: a.definition.description,
      exports: mine.length,
      lastExport: mine.at(-1)?.exported_at,
    };
  });
}

export interface AudienceDetail {
  audience: Audience;
  exports: ExportManifest[];
}

export async function showAudience(lake: Lake, name: string, options: { dir?: string } = {}): Promise<AudienceDetail> {
  const audience = await loadAudience(name, options.dir);
  return { audience, exports: (await listExports(lake)).filter((e) => e.audience === name) };
}

export interface ExportOptions {
  dir?: string;
  /** Folder for the vendor file (default ./exports). */
  out?: string;
  /** First day of the response window, YYYY-MM-DD (default: today, UTC). */
  start?: string;
  /** `name=value` pairs, as for the build: calls_customer_system, complaint_topic_pattern. */
  var?: string[];
  /** Compute and print, write nothing. */
  dryRun?: boolean;
  settings?: WarehouseSettings;
  /** For tests: the export's clock. */
  now?: Date;
}

export interface ExportResult {
  audience: Audience;
  selection: Selection;
  target: number;
  control: number;
  /** The vendor file written (absent on a dry run). */
  vendorFile?: string;
  vendorRows: number;
  manifest?: ExportManifest;
}

/**
 * Exports an audience: selects it on the marts in the writer's session (the vendor file needs
 * the golden record's clear contact fields, which analysts' sessions see only as pseudonyms),
 * writes the vendor file and records who was targeted and who held out in the lake. Runs under
 * the lake's writer lock, so two exports cannot both miss each other's running audience.
 */
export async function exportAudience(lake: Lake, name: string, options: ExportOptions = {}): Promise<ExportResult> {
  const audience = await loadAudience(name, options.dir);
  const d = audience.definition;
  const now = options.now ?? new Date();
  const start = options.start ?? now.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start))) throw new Error(`--start must be a date YYYY-MM-DD, not "${start}"`);
  const windowEnd = addDays(start, d.response_window_days - 1);
  const unlock = options.dryRun ? async () => {} : await lake.lock(`audience export ${name}`);
  try {
    const vars = parseVars({ var: options.var });
    const candidates = await withWarehouse(lake, (engine) => queryCandidates(engine, audience, start, vars), { settings: options.settings });
    const selection = selectMembers(audience, candidates);
    const targets = selection.members.filter((m) => !m.isControl);
    const file = vendorFile(d, targets);
    const result: ExportResult = {
      audience,
      selection,
      target: targets.length,
      control: selection.members.length - targets.length,
      vendorRows: file.rows,
    };
    if (options.dryRun) return result;
    if (!targets.length) {
      const reasons = Object.entries(selection.excluded).filter(([, n]) => n > 0).map(([r, n]) => `${r.replace(/_/g, ' ')} ${n}`);
      throw new Error(`${audience.file}: nobody to send to: ${selection.segment} in the segment${reasons.length ? `, excluded: ${reasons.join(', ')}` : ''}; nothing was written`);
    }
    const exportId = exportIdOf(d.name, now);
    await assertNotRecorded(lake, exportId);
    const outDir = path.resolve(options.out ?? 'exports');
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    result.vendorFile = path.join(outDir, `${exportId}.${file.name}`);
    // Contact data: readable by the exporting user only.
    await writeFile(result.vendorFile, file.text, { mode: 0o600 });
    result.manifest = await writeExportRecord(
      lake,
      {
        exportId,
        audience: d.name,
        version: audience.version,
        channel: d.channel,
        offer: d.offer,
        exportedAt: now,
        exportedBy: safeUser(),
        windowStart: start,
        windowEnd,
        costPerContact: d.cost.per_contact,
        fixedCost: d.cost.fixed,
        grossMarginRate: d.gross_margin_rate,
        members: selection.members.map((m) => ({ customerKey: m.customerKey, isControl: m.isControl })),
      },
      { excluded: selection.excluded, definition: audience.text },
    );
    return result;
  } finally {
    await unlock();
  }
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
