import type { Command } from 'commander';
import { LINT_RULES, formatFinding, lintProject } from '../models/lint.js';
import { loadFullProject } from '../app/project.js';
import { SELECTION_HELP, selectModels } from '../models/select.js';

interface LintOptions {
  models?: string;
  tests?: string;
  select?: string[];
  exclude?: string[];
  json?: boolean;
  rules?: boolean;
}

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('Check that models use only SQL that DuckDB and Athena (Trino) share, with Trino function names; exit code 1 on findings.')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--tests <dir>', 'singular tests folder (default: tests/ beside the models folder)')
    .option('-s, --select <selector...>', 'lint only these models')
    .option('--exclude <selector...>', 'leave these models out')
    .option('--json', 'print the findings as JSON')
    .option('--rules', 'list the rules and exit')
    .addHelpText(
      'after',
      `\nEach finding names file:line:column, the rule and a fix. Silence one on its line (or the line above) with\n  -- lint: ignore <rule>\n\n${SELECTION_HELP}`,
    )
    .action(async (options: LintOptions) => {
      if (options.rules) {
        for (const rule of LINT_RULES) console.log(`${rule.id.padEnd(28)} ${rule.summary}`);
        return;
      }
      const project = await loadFullProject(options.models, { testsDir: options.tests });
      const models = options.select?.length || options.exclude?.length ? selectModels(project.models, options) : project.models;
      const findings = lintProject(project, models);
      if (options.json) console.log(JSON.stringify(findings, null, 2));
      else for (const finding of findings) console.log(formatFinding(finding));
      const files = new Set(findings.map((f) => f.file)).size;
      const sqlModels = models.filter((m) => m.kind === 'sql').length;
      const summary = findings.length
        ? `lint: ${findings.length} finding${findings.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`
        : `lint: ${sqlModels} SQL models${models.length === project.models.length ? ` and ${project.singularTests.length} singular tests` : ''} OK`;
      if (options.json) console.error(summary);
      else console.log(summary);
      if (findings.length) process.exitCode = 1;
    });
}
