import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { compileForDuckDb, planAthenaBuild, renderPlan, type AthenaModelPlan } from '../app/compile.js';
import { loadProject } from '../app/project.js';
import { parseVars } from '../app/settings.js';
import { ATHENA_DEFAULT_NAMES } from '../engine/athena/relations.js';
import { checkAthenaStatement } from '../engine/athena/syntax.js';
import { SELECTION_HELP, selectModels } from '../models/select.js';
import { lakeFrom } from './context.js';

interface CompileOptions {
  engine: 'athena' | 'duckdb';
  out?: string;
  models?: string;
  select?: string[];
  exclude?: string[];
  var?: string[];
  asOf?: string;
  database?: string;
  sourceDatabase?: string;
  location?: string;
  runId?: string;
  fullRefresh?: boolean;
  check?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('Write the SQL each model runs as, per engine, in dependency order: the statements an Athena build runs (CTAS, views, INSERT INTO, MERGE) or DuckDB SELECTs.')
    .addOption(new Option('--engine <engine>', 'target engine').choices(['athena', 'duckdb']).default('athena'))
    .option('--out <dir>', 'write one .sql file per model (NN_<model>.sql) and _manifest.json there (default: print)')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('-s, --select <selector...>', 'compile only these models')
    .option('--exclude <selector...>', 'leave these models out')
    .option('--var <name=value...>', 'values for {{ var() }}')
    .option('--as-of <YYYY-MM-DD>', 'sets var as_of')
    .option('--database <name>', `Athena: Glue database of the models (default $CRMLAKE_ATHENA_DATABASE or ${ATHENA_DEFAULT_NAMES.database})`)
    .option('--source-database <name>', `Athena: Glue database of the curated feed tables (default $CRMLAKE_ATHENA_SOURCE_DATABASE or ${ATHENA_DEFAULT_NAMES.sourceDatabase})`)
    .option('--location <s3-uri>', 'Athena: S3 prefix for table data (default <lake>/warehouse when the lake is on S3, else s3://crmlake-lake/warehouse)')
    .option('--run-id <id>', 'Athena: names the build\'s folders and staged tables (default: the time, e.g. 20261123T020000Z)')
    .option('--full-refresh', 'Athena: incremental models as a rebuild (CTAS) instead of an incremental run')
    .option('--check', "parse every statement with node-sql-parser's Trino grammar (no AWS needed); exit code 1 on a syntax error")
    .addHelpText(
      'after',
      `\nProgram models (TypeScript, e.g. customer_clv) are not SQL: they are listed as such.\n\n${SELECTION_HELP}\n\nExample:\n  crmlake compile --engine athena --out build/athena --database crm_prod --location s3://my-bucket/warehouse --check`,
    )
    .action(async (options: CompileOptions, command: Command) => {
      const vars = parseVars(options);
      const models = selectModels(await loadProject(options.models), options);
      if (options.engine === 'duckdb') {
        const compiled = compileForDuckDb(models, vars);
        if (options.out) await writeDuckDbSql(options.out, compiled);
        else for (const entry of compiled) console.log(`${duckDbText(entry)}\n`);
        return;
      }
      const lakeUri = lakeFrom(command).uri;
      const plans = planAthenaBuild(models, {
        database: options.database ?? process.env.CRMLAKE_ATHENA_DATABASE,
        sourceDatabase: options.sourceDatabase ?? process.env.CRMLAKE_ATHENA_SOURCE_DATABASE,
        location: options.location ?? (lakeUri.startsWith('s3://') ? `${lakeUri.replace(/\/$/, '')}/warehouse` : 's3://crmlake-lake/warehouse'),
        runId: options.runId,
        vars,
        fullRefresh: options.fullRefresh,
      });
      if (options.out) await writePlans(options.out, plans);
      else for (const plan of plans) console.log(renderPlan(plan));
      if (options.check) await checkPlans(plans);
    });
}

/** One compiled model as `compile --out` writes it: the file's text, its manifest entry, a line for the terminal. */
interface CompiledFile {
  model: string;
  text: string;
  manifest: (file: string) => Record<string, unknown>;
  summary: string;
}

/** NN_<model>.sql per model in dependency order, and _manifest.json listing them. */
async function writeCompiled(out: string, engine: string, compiled: CompiledFile[]): Promise<void> {
  await mkdir(out, { recursive: true });
  const width = Math.max(2, String(compiled.length).length);
  const manifest = [];
  for (const [i, entry] of compiled.entries()) {
    const file = `${String(i + 1).padStart(width, '0')}_${entry.model}.sql`;
    await writeFile(path.join(out, file), entry.text);
    manifest.push(entry.manifest(file));
    console.log(`${file.padEnd(40)} ${entry.summary}`);
  }
  await writeFile(path.join(out, '_manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`compiled ${compiled.length} models for ${engine} → ${out}`);
}

const PROGRAM_SUMMARY = 'program (TypeScript, not SQL)';

function writePlans(out: string, plans: AthenaModelPlan[]): Promise<void> {
  return writeCompiled(
    out,
    'athena',
    plans.map((plan) => ({
      model: plan.model,
      text: renderPlan(plan),
      manifest: (file) => ({ ...plan, file, statements: plan.statements.map((s) => ({ kind: s.kind, sql: s.sql })) }),
      summary: plan.kind === 'program' ? PROGRAM_SUMMARY : `${plan.materialized}: ${plan.statements.map((s) => s.kind).join(' + ')}`,
    })),
  );
}

type DuckDbModelSql = ReturnType<typeof compileForDuckDb>[number];

/** A model's DuckDB SELECT with a header naming it (a program model: the header and a line saying so). */
function duckDbText({ model, sql }: DuckDbModelSql): string {
  const header = `-- ${model.name} (${model.kind === 'program' ? 'program' : model.materialized}) from ${model.kind === 'program' ? model.file : `models/${model.file}`}`;
  return `${header}\n${sql === null ? '-- computed in TypeScript, not SQL' : `${sql};`}`;
}

function writeDuckDbSql(out: string, compiled: DuckDbModelSql[]): Promise<void> {
  return writeCompiled(
    out,
    'duckdb',
    compiled.map((entry) => {
      const kind = entry.model.kind === 'program' ? 'program' : entry.model.materialized;
      return {
        model: entry.model.name,
        text: `${duckDbText(entry)}\n`,
        manifest: (file) => ({ model: entry.model.name, file, kind, source: entry.model.kind === 'program' ? entry.model.file : `models/${entry.model.file}` }),
        summary: kind === 'program' ? PROGRAM_SUMMARY : kind,
      };
    }),
  );
}

async function checkPlans(plans: AthenaModelPlan[]): Promise<void> {
  let failed = 0;
  let checked = 0;
  for (const plan of plans) {
    for (const statement of plan.statements) {
      const result = await checkAthenaStatement(statement);
      checked++;
      if (!result.ok) {
        failed++;
        console.error(`${plan.model} (${plan.file}): ${statement.kind} does not parse: ${result.error}`);
      }
    }
  }
  console.error(`check: ${checked - failed} of ${checked} statements parse (node-sql-parser trino grammar; see src/engine/athena/syntax.ts for its gaps)`);
  if (failed) process.exitCode = 1;
}
