/**
 * The one proof of the Athena engine that needs a real AWS account (README "Running on Athena"):
 * lands the bundled real data sets in an S3 lake, builds every model on Athena and on DuckDB,
 * and compares every mart. Skipped (exit 0) without CRMLAKE_SMOKE_LAKE and AWS credentials.
 *
 *   CRMLAKE_SMOKE_LAKE=s3://my-bucket/crmlake-smoke CRMLAKE_ATHENA_WORKGROUP=crmlake-build \
 *   AWS_PROFILE=… npm run smoke:aws
 *
 * It writes only below the given prefix and in the Glue databases of the settings (use
 * CRMLAKE_ATHENA_DATABASE / CRMLAKE_ATHENA_SOURCE_DATABASE to keep them apart from production).
 */
import { runBuild } from '../src/app/build.js';
import { compareWarehouses } from '../src/app/compare.js';
import { ingestDatasets } from '../src/app/demo.js';
import { warehouseSettings } from '../src/app/settings.js';
import { Lake } from '../src/lake/lake.js';

const location = process.env.CRMLAKE_SMOKE_LAKE;
const credentials = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
if (!location?.startsWith('s3://') || !credentials) {
  console.log('smoke:aws skipped: set CRMLAKE_SMOKE_LAKE=s3://bucket/prefix and AWS credentials (AWS_PROFILE or keys) to run it');
  process.exit(0);
}

const lake = new Lake(location);
const athena = warehouseSettings({ engine: 'athena' });
const duckdb = warehouseSettings({ engine: 'duckdb' });
const t0 = Date.now();
for (const run of await ingestDatasets(lake)) console.log(`ingest ${run.feed}: ${run.totals.landed} landed, ${run.totals.quarantined} quarantined`);
const local = await runBuild(lake, { settings: duckdb });
console.log(`DuckDB build: ${local.results.length} models in ${local.seconds.toFixed(1)} s`);
const remote = await runBuild(lake, {
  settings: athena,
  onModel: (r, i, n) => console.log(`  ${i + 1}/${n} ${r.model} ${r.status} ${r.rows ?? ''} rows ${r.seconds.toFixed(1)} s ${((r.bytesScanned ?? 0) / 1e6).toFixed(1)} MB scanned`),
});
console.log(`Athena build: ${remote.results.length} models in ${remote.seconds.toFixed(1)} s, ${((remote.bytesScanned ?? 0) / 1e9).toFixed(3)} GB scanned`);
const differences = await compareWarehouses(lake, duckdb, athena, local.results.map((r) => r.model));
for (const line of differences) console.log(`DIFFERENT ${line}`);
console.log(`${local.results.length - new Set(differences.map((d) => d.split(/[.:]/)[0])).size} of ${local.results.length} models identical on Athena and DuckDB (${Math.round((Date.now() - t0) / 1000)} s)`);
process.exit(differences.length ? 1 : 0);
