import type { Command } from 'commander';
import { exportAudience, listAudiences, showAudience } from '../app/audiences.js';
import { formatCount, formatTable, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

export function registerAudience(program: Command): void {
  const audience = program
    .command('audience')
    .description('Audiences (audiences/*.yml): list them, show one, export one to a vendor file with a recorded control group.');

  audience
    .command('list')
    .description('List the audiences with their version and how often each was exported into this lake.')
    .option('--dir <folder>', 'audiences folder (default: the shipped audiences/)')
    .action(async (options: { dir?: string }, command: Command) => {
      const rows = await listAudiences(lakeFrom(command), options);
      process.stdout.write(
        formatTable(
          ['name', 'channel', 'version', 'exports', 'last_export'],
          rows.map((r) => ({ name: r.name, channel: r.channel, version: r.version, exports: r.exports, last_export: r.lastExport ?? '' })),
        ) + '\n',
      );
    });

  audience
    .command('show')
    .description("Show an audience's definition and its recorded exports.")
    .argument('<name>', 'audience name')
    .option('--dir <folder>', 'audiences folder (default: the shipped audiences/)')
    .action(async (name: string, options: { dir?: string }, command: Command) => {
      const { audience: a, exports } = await showAudience(lakeFrom(command), name, options);
      process.stdout.write(`${a.file} (version ${a.version})\n\n${a.text.trimEnd()}\n\n`);
      process.stdout.write(
        exports.length
          ? formatTable(
              ['export_id', 'version', 'window_start', 'window_end', 'target', 'control', 'exported_by'],
              exports.map((e) => ({ export_id: e.export_id, version: e.audience_version, window_start: e.window_start, window_end: e.window_end, target: e.target, control: e.control, exported_by: e.exported_by })),
            ) + '\n'
          : 'Not exported yet.\n',
      );
    });

  audience
    .command('export')
    .description('Select the audience on the marts, hold out its control group, write the vendor file and record the export in the lake.')
    .argument('<name>', 'audience name')
    .option('--out <folder>', 'folder for the vendor file', 'exports')
    .option('--start <date>', 'first day of the response window, YYYY-MM-DD (default: today, UTC)')
    .option('--dir <folder>', 'audiences folder (default: the shipped audiences/)')
    .option('--dry-run', 'select and count, write nothing')
    .option('--var <name=value...>', "the build's vars the exclusions use: calls_customer_system, complaint_topic_pattern")
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .addHelpText(
      'after',
      '\nThe vendor file holds the target group only (email/sms: customer key, contact field, offer, next best\nproduct; ads: SHA-256 of normalized e-mail and phone). It contains personal data: it is written\nreadable by you only. Build afterwards (`crmlake build`) to measure the campaign in audience_lift.',
    )
    .action(async (name: string, options: { out: string; start?: string; dir?: string; dryRun?: boolean; var?: string[] }, command: Command) => {
      const result = await exportAudience(lakeFrom(command), name, { ...options, settings: settingsFrom(command) });
      const s = result.selection;
      const lines = [
        `${name} (version ${result.audience.version}): ${formatCount(s.segment)} in the segment`,
        ...Object.entries(s.excluded)
          .filter(([, n]) => n > 0)
          .map(([reason, n]) => `  excluded ${reason.replace(/_/g, ' ')}: ${formatCount(n)}`),
        `  target ${formatCount(result.target)}, control ${formatCount(result.control)} (${Math.round(result.audience.definition.control_share * 100)}% share)`,
      ];
      if (result.vendorFile) lines.push(`Vendor file: ${result.vendorFile} (${formatCount(result.vendorRows)} rows)`, `Recorded as ${result.manifest!.export_id}; window ${result.manifest!.window_start} to ${result.manifest!.window_end}`);
      else lines.push('Dry run: nothing written.');
      process.stdout.write(lines.join('\n') + '\n');
    });
}
