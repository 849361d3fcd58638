import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStack } from './synth.js';

/** Synthesizes with cdk-nag's AwsSolutions pack and returns its validation report. */
function nagReport(extra?: (stack: import('aws-cdk-lib').Stack) => void) {
  const { app, stack, cleanup } = synthStack();
  extra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: Error | undefined;
  try {
    app.synth({ force: true });
  } catch (e) {
    error = e as Error;
  }
  const report = JSON.parse(readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string; severity: string }[] }[];
  };
  cleanup();
  return { error, report };
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing the stack has not acknowledged with a reason', () => {
    const { error, report } = nagReport();
    const violations = report.pluginReports.flatMap((r) => r.violations);
    expect(violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    // CDK adds its own "CloudFormation Validate" plugin beside AwsSolutions: both must pass.
    expect(report.pluginReports.map((r) => r.pluginName)).toContain('AwsSolutions');
    for (const r of report.pluginReports) expect([r.pluginName, r.conclusion]).toEqual([r.pluginName, 'success']);
    expect(error).toBeUndefined();
  }, 180_000);

  it('fails the synth on a finding nobody acknowledged (the check is live)', () => {
    const { error, report } = nagReport((stack) => new s3.Bucket(stack, 'CarelessBucket'));
    const rules = report.pluginReports.flatMap((r) => r.violations).map((v) => v.ruleName);
    expect(rules).toContain('AwsSolutions-S10'); // no TLS-only policy
    expect(rules).toContain('AwsSolutions-S1'); // no access logs
    expect(error?.message).toMatch(/AwsSolutions-S10/);
  }, 180_000);
});
