import type { Command } from 'commander';
import { formatDocs, projectDocs, readBuildRuns } from '../models/docs.js';
import { loadFullProject } from '../app/project.js';
import { SELECTION_HELP, selectModels } from '../models/select.js';
import { lakeFrom } from './context.js';

export function registerDocs(program: Command): void {
  program
    .command('docs')
    .description("Describe the models: materialization, columns with their descriptions and tests (from the YAML), upstream/downstream lineage and each model's last run.")
    .option('--json', 'print as JSON')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('-s, --select <selector...>', 'only these models')
    .option('--exclude <selector...>', 'leave these models out')
    .addHelpText('after', `\n${SELECTION_HELP}`)
    .action(async (options: { json?: boolean; models?: string; select?: string[]; exclude?: string[] }, command: Command) => {
      const project = await loadFullProject(options.models);
      const only = new Set(selectModels(project.models, options).map((m) => m.name));
      const docs = projectDocs(project, await readBuildRuns(lakeFrom(command)), only);
      if (options.json) console.log(JSON.stringify(docs, null, 2));
      else process.stdout.write(formatDocs(docs));
    });
}
