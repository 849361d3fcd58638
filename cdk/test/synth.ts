import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { checkConfig, DEFAULT_CONFIG, type CrmlakeConfig } from '../lib/config.js';
import { CrmlakeStack } from '../lib/stack.js';

/**
 * A synthesized stack for assertions. Bundling is skipped (`aws:cdk:bundling-stacks: []`): the
 * package build (npm install for linux-arm64) is exercised by `npm run synth`, not by every test.
 */
export function synthStack(overrides: Partial<CrmlakeConfig> = {}, context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'crmlake-cdk-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = checkConfig({ ...DEFAULT_CONFIG, alarmEmail: 'ops@example.com', ...overrides });
  const stack = new CrmlakeStack(app, config.name, { config, env: { account: '123456789012', region: 'eu-west-1' } });
  const template = Template.fromStack(stack);
  return { app, stack, template, config, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };

/** Every IAM statement of the template's identity policies (inline and managed), with the policy's logical id. */
export function iamStatements(template: Template): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      for (const statement of (resource.Properties.PolicyDocument.Statement as Statement[]) ?? []) out.push({ policy: id, statement });
    }
  }
  return out;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
