import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { queryLake } from '../app/sql.js';
import { formatResult } from '../engine/format.js';
import { lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('Run ad hoc, read-only SQL on the lake: marts and staging models by name, curated tables as curated.<table>, rejects as quarantine.<feed>.')
    .argument('[query]', 'SQL query (or use --file); `.tables` lists every relation: models, curated.<table>, quarantine.<feed>')
    .option('--file <path>', 'read the query from a file')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .addHelpText(
      'after',
      `\nQueries only: statements that change anything (COPY, CREATE, ATTACH, SET, …) are refused, and\nfiles can be read only inside the lake's curated, quarantine and warehouse zones.\n\nExamples:\n  crmlake sql .tables\n  crmlake sql "select rfm_segment, count(*) from customer_rfm group by 1 order by 2 desc"\n  crmlake sql "select table_schema, table_name from information_schema.tables order by 1, 2"\n  crmlake sql --format csv "select * from sales_daily" > sales.csv`,
    )
    .action(async (query: string | undefined, options: { file?: string; format: 'table' | 'csv' | 'json' }, command: Command) => {
      const sql = options.file ? await readFile(options.file, 'utf8') : (query ?? '');
      const result = await queryLake(lakeFrom(command), sql, { settings: settingsFrom(command) });
      process.stdout.write(formatResult(result, options.format) + '\n');
    });
}
