import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { appCode } from './code.js';

/**
 * Node.js 24 (LTS until April 2028). cdk-nag's AwsSolutions-L1 asks for the newest runtime the
 * library knows (Node.js 26 in aws-cdk-lib 2.278), which Lambda may not offer in every region
 * yet: the stack acknowledges L1 with this reason (cdk/lib/nag.ts).
 */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface CrmlakeFunctionProps {
  /** Export of lambdas/runtime.mjs: `ingest`, `collector`, `build`, … */
  handler: string;
  description: string;
  memoryMb: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetentionDays: number;
  /** /tmp size (MB; 512 is free, up to 10,240). */
  ephemeralMb?: number;
  reservedConcurrency?: number;
}

/**
 * A crmlake function: the shared package, ARM64 (about 20% cheaper per GB-second than x86 and
 * the DuckDB binding exists for it), its own log group with a retention, and its own role whose
 * only built-in right is writing to that log group (no AWSLambdaBasicExecutionRole, whose
 * `logs:*` on every log group is broader than a function needs).
 */
export class CrmlakeFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CrmlakeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `crmlake ${props.handler} function`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      code: appCode(this),
      handler: `lambdas/runtime.${props.handler}`,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      ephemeralStorageSize: props.ephemeralMb ? Size.mebibytes(props.ephemeralMb) : undefined,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // tsx and Framework keep caches under the home folder or /tmp; /tmp is the only writable place.
        HOME: '/tmp',
        CRMLAKE_CACHE: '/tmp/crmlake-cache',
        OBSERVABLE_TELEMETRY_DISABLE: 'true',
        POWERTOOLS_METRICS_NAMESPACE: 'crmlake',
        ...props.environment,
      },
    });
  }
}
