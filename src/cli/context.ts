import type { Command } from 'commander';
import { Lake } from '../lake/lake.js';

export { formatTable } from '../engine/format.js';

/** The lake chosen by `--lake`, else $CRMLAKE_LAKE, else ./lake. */
export function lakeFrom(command: Command): Lake {
  const options = command.optsWithGlobals<{ lake?: string }>();
  return new Lake(options.lake ?? process.env.CRMLAKE_LAKE ?? 'lake');
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}
