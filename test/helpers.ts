import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FeedDefinition, RowResult } from '../src/feeds/feed.js';
import { createRecordMapper, loadMapping, RowError } from '../src/feeds/mapping.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The shared real data sets sit beside the repository, in CI too. */
export const DATASETS = path.resolve(REPO, '..', 'shared', 'datasets');
export const RETAIL_DAYS = path.join(DATASETS, 'online-retail', 'by-day');
export const CLI = path.join(REPO, 'bin', 'crmlake.js');

/** A scratch folder removed by the returned cleanup. */
export async function scratchDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `crmlake-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies some real Online Retail days into `dir/<name>` and returns that folder. */
export async function copyRetailDays(dir: string, days: string[], name = 'pos'): Promise<string> {
  const target = path.join(dir, name);
  await mkdir(target, { recursive: true });
  for (const day of days) await cp(path.join(RETAIL_DAYS, `${day}.csv`), path.join(target, `${day}.csv`));
  return target;
}

/** Maps and validates one source record with a feed's mapping, as ingest does (a RowError becomes a reject). */
export async function validateRecord(feed: FeedDefinition, header: string[], values: string[], mapping?: string): Promise<RowResult> {
  const loaded = await loadMapping(feed, mapping);
  try {
    return feed.createValidator(loaded)(createRecordMapper(loaded, header)(values), 2);
  } catch (error) {
    if (error instanceof RowError) return { ok: false, field: error.field, reason: error.message };
    throw error;
  }
}

/** Asserts a validation result is a reject of `field` with a reason matching `reason`. */
export function expectRejected(result: RowResult, field: string, reason: RegExp): void {
  expect(result).toEqual({ ok: false, field, reason: expect.stringMatching(reason) });
}
