import type { Node } from 'constructs';

/**
 * Everything a deployment may choose, with the defaults a first deploy needs. Set them in
 * cdk.json's "context" or on the command line: `npx cdk deploy -c crmlake:alarmEmail=ops@example.com`.
 * Every key is `crmlake:<name>` (see README "Deploy to AWS").
 */
export interface CrmlakeConfig {
  /** Stack name and the prefix of named resources (Glue databases, workgroups, schedule). */
  name: string;
  /** Where alarms and failed refreshes are sent (an SNS e-mail subscription; confirm the e-mail AWS sends). */
  alarmEmail?: string;
  /** When the refresh runs: an EventBridge Scheduler cron expression, in `scheduleTimeZone`. */
  schedule: string;
  /** IANA time zone of the schedule (daylight saving time is followed). */
  scheduleTimeZone: string;
  /** false: the schedule is created disabled (refresh on demand only). */
  scheduleEnabled: boolean;
  /** Alarm when no refresh succeeded for this many hours. */
  lateRefreshHours: number;
  /** Raw originals move to Standard-IA after this many days, to Glacier Instant Retrieval after `rawToGlacierDays`. */
  rawToInfrequentDays: number;
  rawToGlacierDays: number;
  /** Delivered files are deleted from the landing bucket after this many days (the lake's raw zone keeps the original). */
  landingExpireDays: number;
  /** Athena query results expire after this many days. */
  queryResultsExpireDays: number;
  /** S3 and CloudFront access logs expire after this many days. */
  accessLogsExpireDays: number;
  /** Older object versions (replaced manifests, overwritten files) expire after this many days. */
  noncurrentVersionsExpireDays: number;
  /** CloudWatch Logs retention of every function, API and state machine log group, in days. */
  logRetentionDays: number;
  /** Analysts' workgroup: a query scanning more than this is cancelled (GiB). */
  analystScanLimitGb: number;
  /** Build: stop before the whole build scans more than this (GiB), and cancel any single statement above it. */
  buildMaxScanGb: number;
  /** Memory of the ingest function (MB; CPU grows with it: 1,769 MB is one vCPU). */
  ingestMemoryMb: number;
  /** Memory of the build, test and report functions (MB). */
  refreshMemoryMb: number;
  /** Deliveries of an ingest message before it goes to the dead-letter queue. */
  ingestMaxReceiveCount: number;
  /** Collector throttling: steady requests per second and burst, for the whole API. */
  collectorRateLimit: number;
  collectorBurstLimit: number;
  /** Upper bound of concurrent collector functions (also a cost ceiling). */
  collectorMaxConcurrency: number;
  /** Keep data buckets (landing, lake) when the stack is deleted (`true` unless you are testing). */
  retainData: boolean;
}

export const DEFAULT_CONFIG: CrmlakeConfig = {
  name: 'crmlake',
  schedule: 'cron(0 6 * * ? *)',
  scheduleTimeZone: 'Etc/UTC',
  scheduleEnabled: true,
  lateRefreshHours: 26,
  rawToInfrequentDays: 30,
  rawToGlacierDays: 180,
  landingExpireDays: 30,
  queryResultsExpireDays: 7,
  accessLogsExpireDays: 90,
  noncurrentVersionsExpireDays: 30,
  logRetentionDays: 30,
  analystScanLimitGb: 10,
  buildMaxScanGb: 100,
  ingestMemoryMb: 3008,
  refreshMemoryMb: 3008,
  ingestMaxReceiveCount: 10,
  collectorRateLimit: 50,
  collectorBurstLimit: 100,
  collectorMaxConcurrency: 20,
  retainData: true,
};

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * Reads `crmlake:*` context values over the defaults and checks them, so a typo fails the synth
 * with the key named instead of deploying something else.
 */
export function configFromContext(node: Pick<Node, 'tryGetContext'>, overrides: Partial<CrmlakeConfig> = {}): CrmlakeConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(DEFAULT_CONFIG).concat('alarmEmail')) {
    const raw = node.tryGetContext(`crmlake:${key}`);
    if (raw === undefined || raw === null || raw === '') continue;
    const def = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key];
    if (typeof def === 'number') {
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`crmlake:${key} must be a positive number, not "${raw}"`);
      config[key] = value;
    } else if (typeof def === 'boolean') {
      if (![true, false, 'true', 'false'].includes(raw)) throw new Error(`crmlake:${key} must be true or false, not "${raw}"`);
      config[key] = raw === true || raw === 'true';
    } else {
      config[key] = String(raw);
    }
  }
  return checkConfig({ ...(config as unknown as CrmlakeConfig), ...overrides });
}

export function checkConfig(config: CrmlakeConfig): CrmlakeConfig {
  const fail = (key: keyof CrmlakeConfig, why: string) => {
    throw new Error(`crmlake:${key} ${why}`);
  };
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(config.name)) fail('name', `must be 2-31 lowercase letters, digits or dashes, starting with a letter, not "${config.name}"`);
  if (!/^cron\(.+\)$|^rate\(.+\)$/.test(config.schedule)) fail('schedule', `must be an EventBridge Scheduler expression like "cron(0 6 * * ? *)", not "${config.schedule}"`);
  if (config.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail)) fail('alarmEmail', `is not an e-mail address: "${config.alarmEmail}"`);
  if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) fail('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  if (config.rawToGlacierDays <= config.rawToInfrequentDays) fail('rawToGlacierDays', 'must be later than rawToInfrequentDays');
  // S3 moves objects to Standard-IA no earlier than 30 days after creation.
  if (config.rawToInfrequentDays < 30) fail('rawToInfrequentDays', 'must be at least 30 (S3 lifecycle minimum for Standard-IA)');
  if (config.ingestMemoryMb < 128 || config.ingestMemoryMb > 10240) fail('ingestMemoryMb', 'must be between 128 and 10240');
  if (config.refreshMemoryMb < 128 || config.refreshMemoryMb > 10240) fail('refreshMemoryMb', 'must be between 128 and 10240');
  if (config.lateRefreshHours > 168) fail('lateRefreshHours', 'must be at most 168 (a week)');
  // Athena's smallest per-query cutoff is 10 MB.
  if (config.analystScanLimitGb * 1024 < 10) fail('analystScanLimitGb', 'must be at least 0.01 (10 MB, Athena minimum)');
  return config;
}

/** Names derived from the stack name (Glue and Athena want underscores, not dashes). */
export function resourceNames(config: CrmlakeConfig) {
  const snake = config.name.replace(/-/g, '_');
  return {
    curatedDatabase: `${snake}_curated`,
    warehouseDatabase: `${snake}_warehouse`,
    buildWorkgroup: `${config.name}-build`,
    analystWorkgroup: `${config.name}-analysts`,
  };
}
