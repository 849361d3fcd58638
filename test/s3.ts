import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { S3Client } from '@aws-sdk/client-s3';

/** A real S3-compatible server in this process (fauxqs), with one bucket, for the S3 paths. */
export interface LocalS3 {
  server: FauxqsServer;
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Environment that points crmlake (in this process or a child) at the server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startLocalS3(bucket = 'crmlake-test'): Promise<LocalS3> {
  const server = await startFauxqs({ port: 0, logger: false });
  server.createBucket(bucket);
  const env = {
    CRMLAKE_S3_ENDPOINT: server.address,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
  Object.assign(process.env, env);
  const client = new S3Client({ endpoint: server.address, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    server,
    endpoint: server.address,
    bucket,
    client,
    env,
    async stop() {
      client.destroy();
      await server.stop();
      for (const key of Object.keys(env)) delete process.env[key];
    },
  };
}
