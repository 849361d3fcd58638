#!/usr/bin/env node
// The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this with tsx). Parameters are
// context values `crmlake:<name>` (cdk/lib/config.ts); cdk-nag's AwsSolutions pack checks the
// synthesized stack and fails the synth on any finding the stack does not acknowledge.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config.js';
import { CrmlakeStack } from '../lib/stack.js';

const app = new App();
const config = configFromContext(app.node);
new CrmlakeStack(app, config.name, {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
