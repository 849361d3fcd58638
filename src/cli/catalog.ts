import type { Command } from 'commander';
import { syncCatalog } from '../app/catalog.js';
import { ENGINE_OPTION_HELP, formatCount, lakeFrom, settingsFrom } from './context.js';

export function registerCatalog(program: Command): void {
  const catalog = program.command('catalog').description("Manage the engine's catalog of the lake's tables (Athena: Glue).");
  catalog
    .command('sync')
    .description('Register the curated and quarantine tables over the committed files, for a lake that already exists (a build does it too).')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .addHelpText(
      'after',
      `\nOn Athena this creates (or updates) the Glue databases and one table per feed with partition\nprojection on the business date, reading the committed files through symlink manifests that it\nrewrites where deliveries changed. DuckDB needs no catalog: it reads the manifests at every start.\n\nExample:\n  CRMLAKE_ATHENA_WORKGROUP=crmlake-build crmlake --lake s3://my-bucket/lake catalog sync --engine athena`,
    )
    .action(async (_options: unknown, command: Command) => {
      const sync = await syncCatalog(lakeFrom(command), { settings: settingsFrom(command) });
      if (!sync) console.log('Nothing to sync: the DuckDB engine registers the committed files at every start.');
      else console.log(`Registered ${formatCount(sync.tables)} tables; ${formatCount(sync.changed)} symlink manifests rewritten.`);
    });
}
