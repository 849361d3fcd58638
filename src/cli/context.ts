import type { Command } from 'commander';
import { Lake } from '../lake/lake.js';

/** The lake chosen by `--lake`, else $CRMLAKE_LAKE, else ./lake. */
export function lakeFrom(command: Command): Lake {
  const options = command.optsWithGlobals<{ lake?: string }>();
  return new Lake(options.lake ?? process.env.CRMLAKE_LAKE ?? 'lake');
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

/** Plain aligned text table, for terminals and logs. */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const body = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...body.map((r) => r[i]!.length))));
  const fit = (text: string, i: number) => (text.length > widths[i]! ? text.slice(0, widths[i]! - 1) + '…' : text.padEnd(widths[i]!));
  const line = (cells: string[]) => cells.map(fit).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
