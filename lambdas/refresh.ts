import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { runBuild } from '../src/app/build.js';
import { checkTests, RefreshError, refreshStep } from '../src/app/refresh.js';
import { runReport } from '../src/app/report.js';
import { warehouseSettings } from '../src/app/settings.js';
import { runProjectTests } from '../src/app/test.js';
import { Lake } from '../src/lake/lake.js';
import { s3ClientFromEnv } from '../src/lake/s3.js';
import { siteContentType } from '../src/report/serve.js';

/**
 * The scheduled refresh as Step Functions steps (cdk/lib/refresh.ts): build → test → report →
 * publish, one handler each, so no single Lambda's 15 minutes bounds the whole job and a failed
 * step is named in the execution history. Each is a thin shell over src/app, run through
 * `refreshStep`, so its errors read like the local `crmlake refresh`'s.
 *
 * The report is built into `<STAGING_PREFIX>/<runId>/` of the reports bucket, which CloudFront
 * never serves (its origin path is the site prefix); only `publish` copies it over the live site
 * and invalidates the cache. A failure at any step before publish leaves the last good report.
 *
 * Environment (set by the stack): LAKE_URI, REPORTS_BUCKET, SITE_PREFIX, STAGING_PREFIX,
 * DISTRIBUTION_ID, and the engine's CRMLAKE_ENGINE / CRMLAKE_ATHENA_* / CRMLAKE_MAX_SCAN_GB.
 */
const logger = new Logger({ serviceName: 'crmlake-refresh' });

/** What the state machine passes every step: its execution name as the run id. */
export interface RefreshEvent {
  runId: string;
  /** The execution's input: `{}` from the schedule, or `{"asOf": "YYYY-MM-DD"}` when started by hand. */
  request?: { asOf?: string };
}

/** Business date the models treat as today (`{{ var('as_of') }}`); default: the build's own. */
const asOfOf = (event: RefreshEvent) => (typeof event.request?.asOf === 'string' ? event.request.asOf : undefined);

/** What the report step leaves beside the staged site for publish to read. */
export interface StagedReport {
  runId: string;
  files: number;
  bytes: number;
  pages: string[];
  warnings: string[];
}

const STAGED_REPORT = '_crmlake_report.json';

export interface RefreshDeps {
  lake?: Lake;
  s3?: S3Client;
  cloudfront?: Pick<CloudFrontClient, 'send'>;
  env?: NodeJS.ProcessEnv;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (the stack sets it on every refresh function)`);
  return value;
}

const prefixOf = (value: string | undefined, fallback: string) => (value ?? fallback).replace(/^\/+|\/+$/g, '');

function checkRunId(runId: unknown): string {
  // The run id names an S3 prefix: keep it to what an execution name may hold, nothing path-like.
  if (typeof runId !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(runId)) throw new Error(`runId must be 1-80 letters, digits, - or _, not ${JSON.stringify(runId)}`);
  return runId;
}

export function createRefreshHandlers(deps: RefreshDeps = {}) {
  const env = deps.env ?? process.env;
  let client: Promise<S3Client> | undefined;
  const s3 = () => (client ??= deps.s3 ? Promise.resolve(deps.s3) : s3ClientFromEnv(env));
  const lake = () => deps.lake ?? new Lake(required(env, 'LAKE_URI'));
  const reportsBucket = () => required(env, 'REPORTS_BUCKET');
  const sitePrefix = () => prefixOf(env.SITE_PREFIX, 'site');
  const stagingPrefix = (runId: string) => `${prefixOf(env.STAGING_PREFIX, 'staging')}/${runId}`;

  async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async function deleteKeys(client: S3Client, bucket: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  return {
    /** Builds every model on the warehouse engine (Athena in AWS) under the lake's writer lock. */
    async build(event: RefreshEvent) {
      const runId = checkRunId(event.runId);
      const run = await refreshStep('build models', () => runBuild(lake(), { settings: warehouseSettings({}, env), asOf: asOfOf(event) }));
      const failed = run.results.filter((r) => r.status === 'error').map((r) => r.model);
      logger.info('build done', { runId, models: run.results.length, failed, seconds: run.seconds, bytesScanned: run.bytesScanned });
      return { runId, models: run.results.length, committed: run.committed, seconds: run.seconds, bytesScanned: run.bytesScanned ?? null };
    },

    /** Runs the models' tests on the built warehouse; failing tests stop the refresh before the report. */
    async test(event: RefreshEvent) {
      const runId = checkRunId(event.runId);
      const tests = await refreshStep('test models', () => runProjectTests(lake(), { settings: warehouseSettings({}, env), asOf: asOfOf(event) }));
      logger.info('tests done', { runId, ...tests.summary });
      checkTests(tests, env.CRMLAKE_PUBLISH_ON_TEST_FAILURE === 'true');
      return { runId, ...tests.summary };
    },

    /** Builds the report site and uploads it to the staging prefix (not served) with its result. */
    async report(event: RefreshEvent): Promise<StagedReport> {
      const runId = checkRunId(event.runId);
      const bucket = reportsBucket();
      const work = await mkdtemp(path.join(env.CRMLAKE_WORK_DIR ?? os.tmpdir(), 'crmlake-report-'));
      try {
        const out = path.join(work, 'site');
        const site = await refreshStep('build report', () => runReport(lake(), out, { settings: warehouseSettings({}, env), log: (line) => logger.debug(line) }));
        const prefix = stagingPrefix(runId);
        const client = await s3();
        await refreshStep('build report', async () => {
          for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
            if (!entry.isFile()) continue;
            const file = path.join(entry.parentPath, entry.name);
            const key = `${prefix}/${path.relative(out, file).split(path.sep).join('/')}`;
            await new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: siteContentType(file) } }).done();
          }
        });
        const staged: StagedReport = { runId, files: site.files, bytes: site.bytes, pages: site.pages, warnings: site.warnings };
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${STAGED_REPORT}`, Body: JSON.stringify(staged), ContentType: 'application/json' }));
        logger.info('report staged', { ...staged, prefix });
        return staged;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },

    /**
     * Replaces the live site with the staged one: copies every staged file over the site prefix,
     * removes live files the new site no longer has, invalidates CloudFront, drops the staging
     * copy. A site whose data files partly failed is published (as the local refresh does) but
     * the step then fails, so the execution is marked failed and the alarm fires.
     */
    async publish(event: RefreshEvent) {
      const runId = checkRunId(event.runId);
      const bucket = reportsBucket();
      const staging = stagingPrefix(runId);
      const live = sitePrefix();
      const distributionId = required(env, 'DISTRIBUTION_ID');
      const client = await s3();
      const staged = await refreshStep('publish report', async () => {
        const text = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${staging}/${STAGED_REPORT}` })).then(
          (r) => r.Body!.transformToString('utf8'),
          () => undefined,
        );
        if (!text) throw new Error(`no staged report at s3://${bucket}/${staging}/ (did the report step of run ${runId} finish?)`);
        return JSON.parse(text) as StagedReport;
      });
      const result = await refreshStep('publish report', async () => {
        const stagedKeys = (await listKeys(client, bucket, staging)).filter((k) => !k.endsWith(`/${STAGED_REPORT}`));
        if (stagedKeys.length === 0) throw new Error(`the staged report of run ${runId} has no files`);
        const wanted = new Set<string>();
        for (const key of stagedKeys) {
          const target = `${live}/${key.slice(staging.length + 1)}`;
          wanted.add(target);
          await client.send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`, MetadataDirective: 'COPY' }));
        }
        const stale = (await listKeys(client, bucket, live)).filter((k) => !wanted.has(k));
        await deleteKeys(client, bucket, stale);
        const cloudfront = deps.cloudfront ?? new CloudFrontClient({ region: env.AWS_REGION ?? 'us-east-1' });
        const invalidation = await cloudfront.send(
          new CreateInvalidationCommand({
            DistributionId: distributionId,
            // One wildcard path is one path in the price list: cheaper than a path per page.
            InvalidationBatch: { CallerReference: `crmlake-${runId}`, Paths: { Quantity: 1, Items: ['/*'] } },
          }),
        );
        await deleteKeys(client, bucket, await listKeys(client, bucket, staging));
        return { published: wanted.size, removed: stale.length, invalidationId: invalidation.Invalidation?.Id ?? null };
      });
      logger.info('report published', { runId, ...result });
      if (staged.warnings.length > 0) {
        throw new RefreshError(
          'publish report',
          `refresh: the report was published, but ${staged.warnings.length} of its data file(s) failed, so parts of it are empty:\n  ${staged.warnings.join('\n  ')}`,
        );
      }
      return { runId, ...result };
    },
  };
}

const handlers = createRefreshHandlers();
export const build = (event: RefreshEvent) => handlers.build(event);
export const test = (event: RefreshEvent) => handlers.test(event);
export const report = (event: RefreshEvent) => handlers.report(event);
export const publish = (event: RefreshEvent) => handlers.publish(event);
