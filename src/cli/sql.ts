import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DuckDbEngine } from '../engine/duckdb.js';
import { formatResult } from '../engine/format.js';
import { lakeFrom } from './context.js';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('Run ad hoc SQL on the lake: marts and staging models by name, curated tables as curated.<table>, rejects as quarantine.<feed>.')
    .argument('[query]', 'SQL query (or use --file)')
    .option('--file <path>', 'read the query from a file')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .addHelpText('after', '\nExamples:\n  crmlake sql "select rfm_segment, count(*) from customer_rfm group by 1 order by 2 desc"\n  crmlake sql --format csv "select * from sales_daily" > sales.csv')
    .action(async (query: string | undefined, options: { file?: string; format: 'table' | 'csv' | 'json' }, command: Command) => {
      const sql = options.file ? await readFile(options.file, 'utf8') : query;
      if (!sql?.trim()) throw new Error('Give a query, or --file with one');
      const engine = await DuckDbEngine.open(lakeFrom(command));
      try {
        process.stdout.write(formatResult(await engine.query(sql), options.format) + '\n');
      } finally {
        await engine.close();
      }
    });
}
