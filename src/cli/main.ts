import { Command } from 'commander';
import { registerAudience } from './audience.js';
import { registerBuild } from './build.js';
import { registerCatalog } from './catalog.js';
import { registerClv } from './clv.js';
import { registerCompile } from './compile.js';
import { registerDemo } from './demo.js';
import { registerDocs } from './docs.js';
import { registerIngest } from './ingest.js';
import { registerLint } from './lint.js';
import { registerRefresh } from './refresh.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerSql } from './sql.js';
import { registerStatus } from './status.js';
import { registerTest } from './test.js';

const program = new Command('crmlake')
  .description('CRM analytics: ingest store, call-center and web data, unify customers, build SQL marts, publish reports.')
  .option('--lake <location>', 'lake folder or s3://bucket/prefix (default: $CRMLAKE_LAKE or ./lake)')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

registerIngest(program);
registerBuild(program);
registerTest(program);
registerLint(program);
registerCompile(program);
registerCatalog(program);
registerDocs(program);
registerSql(program);
registerClv(program);
registerAudience(program);
registerReport(program);
registerRefresh(program);
registerServe(program);
registerStatus(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`crmlake: ${(error as Error).message}`);
  process.exitCode = 1;
}
