// Builds the functions' package as `cdk synth` does (cdk/lib/code.ts) but for this machine's CPU,
// makes it read-only as /var/task is, and invokes the ingest, build, test and report exports of
// lambdas/runtime.mjs the way the Lambda Node runtime does, against a local S3 server (fauxqs)
// and the DuckDB engine. It proves the package layout, the tsx entry and the /tmp copy for the
// report step, not AWS itself. Needs the npm registry; not part of `npm test`.
//   npx tsx cdk/scripts/package-smoke.ts
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../test/s3.js';
import { buildPackage, folderBytes, REPO_ROOT } from '../lib/code.js';

const run = promisify(execFile);
const work = mkdtempSync(path.join(os.tmpdir(), 'crmlake-package-smoke-'));
const pkg = path.join(work, 'task');
const started = Date.now();
buildPackage(pkg, { arch: process.arch === 'arm64' ? 'arm64' : 'x64' });
console.log(`package: ${(folderBytes(pkg) / 2 ** 20).toFixed(0)} MB unzipped, built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const invoker = path.join(work, 'invoke.mjs');
writeFileSync(
  invoker,
  `const [pkg, name, event] = process.argv.slice(2);
const mod = await import(pkg + '/lambdas/runtime.mjs');
const t = Date.now();
const result = await mod[name](JSON.parse(event), { functionName: name, awsRequestId: 'smoke' });
console.log(JSON.stringify({ ms: Date.now() - t, result }));\n`,
);
const chmodTree = (dir: string) => run('chmod', ['-R', 'a-w', dir]);
await chmodTree(pkg);

const s3 = await startLocalS3('lake-bucket');
s3.server.createBucket('landing-bucket');
s3.server.createBucket('reports-bucket');
const key = 'pos/online-retail/store-1/2010-12-01.csv';
await s3.client.send(new PutObjectCommand({ Bucket: 'landing-bucket', Key: key, Body: readFileSync(path.join(REPO_ROOT, 'samples/datasets/online-retail/by-day/2010-12-01.csv')) }));
const env = {
  // The machine's environment (proxy and CA settings: the report step's Framework build fetches
  // npm: modules it has not cached), then what the stack sets on the functions.
  ...process.env, ...s3.env, LAKE_URI: 's3://lake-bucket', CRMLAKE_ENGINE: 'duckdb', REPORTS_BUCKET: 'reports-bucket', SITE_PREFIX: 'site', STAGING_PREFIX: 'staging',
  HOME: work, CRMLAKE_CACHE: path.join(work, 'cache'), CRMLAKE_WORK_DIR: work, OBSERVABLE_TELEMETRY_DISABLE: 'true',
};
const invoke = async (name: string, event: unknown) => {
  const { stdout } = await run(process.execPath, [invoker, pkg, name, JSON.stringify(event)], { cwd: work, env, maxBuffer: 64 * 2 ** 20 });
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; result: unknown };
  console.log(`${name}: ${last.ms} ms`, JSON.stringify(last.result).slice(0, 300));
  return last.result;
};
try {
  const notification = { Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'landing-bucket' }, object: { key } } }] };
  await invoke('ingest', { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(notification) }] });
  const event = { runId: 'smoke-1', request: {} };
  for (const step of ['build', 'test', 'report']) await invoke(step, event);
  const staged = await s3.client.send(new ListObjectsV2Command({ Bucket: 'reports-bucket', Prefix: 'staging/smoke-1/' }));
  if (!staged.KeyCount) throw new Error('the report step staged no files');
  console.log(`staged report: ${staged.KeyCount} files`);
} finally {
  await s3.stop();
  chmodSync(pkg, 0o755);
  await run('chmod', ['-R', 'u+w', work]);
  rmSync(work, { recursive: true, force: true });
}
