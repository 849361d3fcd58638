import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded on demand: loading all of them (DuckDB, the AWS SDK, the SQL
 * parser, the name standardizers…) takes about a second, while `crmlake sql` needs only a few.
 * The order is the order `crmlake --help` lists them in.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  ingest: async () => (await import('./ingest.js')).registerIngest,
  build: async () => (await import('./build.js')).registerBuild,
  test: async () => (await import('./test.js')).registerTest,
  lint: async () => (await import('./lint.js')).registerLint,
  compile: async () => (await import('./compile.js')).registerCompile,
  catalog: async () => (await import('./catalog.js')).registerCatalog,
  docs: async () => (await import('./docs.js')).registerDocs,
  sql: async () => (await import('./sql.js')).registerSql,
  clv: async () => (await import('./clv.js')).registerClv,
  audience: async () => (await import('./audience.js')).registerAudience,
  report: async () => (await import('./report.js')).registerReport,
  refresh: async () => (await import('./refresh.js')).registerRefresh,
  serve: async () => (await import('./serve.js')).registerServe,
  status: async () => (await import('./status.js')).registerStatus,
  demo: async () => (await import('./demo.js')).registerDemo,
};

/** The command named on the command line, skipping the global options (`--lake <location>`). */
function commandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--lake') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const program = new Command('crmlake')
  .description('CRM analytics: ingest store, call-center and web data, unify customers, build SQL marts, publish reports.')
  .option('--lake <location>', 'lake folder or s3://bucket/prefix (default: $CRMLAKE_LAKE or ./lake)')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

try {
  const name = commandName(process.argv.slice(2));
  // A known command loads alone; anything else (help, a typo) loads all, so help lists every command.
  for (const load of name && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS)) (await load())(program);
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`crmlake: ${(error as Error).message}`);
  process.exitCode = 1;
}
