import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LakeStore } from './store.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoading: Promise<S3Sdk> | undefined;
/**
 * The AWS SDK, loaded on first use: importing it costs a few hundred milliseconds, which every
 * command on a local lake (`crmlake sql` above all) would otherwise pay at start.
 */
const loadSdk = (): Promise<S3Sdk> => (sdkLoading ??= import('@aws-sdk/client-s3'));

/** `s3://bucket/prefix` → bucket and prefix (no leading or trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match || !match[1]) throw new Error(`Not an S3 location: "${uri}" (expected s3://bucket/prefix)`);
  return { bucket: match[1], prefix: match[2]!.replace(/\/+$/, '') };
}

/**
 * The client for the lake: region, credentials and endpoint come from the usual AWS settings;
 * CRMLAKE_S3_ENDPOINT points it at an S3-compatible server (path-style addressing then).
 */
export async function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const endpoint = env.CRMLAKE_S3_ENDPOINT;
  const { S3Client } = await loadSdk();
  return new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

/** An S3 service error's HTTP status (the SDK's S3ServiceException, matched by shape: the SDK loads lazily). */
const httpStatus = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

const notFound = (error: unknown) =>
  error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound' || httpStatus(error) === 404);

/**
 * The lake on an S3 bucket prefix. DuckDB cannot read s3:// offline (no httpfs), so readers
 * get objects through a local cache: data files are write-once, so a cached copy never goes stale.
 * Uploads above 8 MiB go multipart through lib-storage; a PUT replaces a document atomically.
 */
export class S3Store implements LakeStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly cacheDir: string;

  private clientReady: Promise<S3Client> | undefined;

  constructor(
    uri: string,
    /** The client to use; default one from the environment (s3ClientFromEnv), made on first use. */
    private readonly givenClient?: S3Client,
    cacheDir?: string,
  ) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    const id = createHash('sha256').update(this.uri).digest('hex').slice(0, 12);
    this.cacheDir = path.resolve(cacheDir ?? process.env.CRMLAKE_CACHE ?? path.join(os.tmpdir(), 'crmlake-cache'), `${bucket}-${id}`);
  }

  /** The SDK and the client, loaded and made on first use. */
  private async s3(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    const sdk = await loadSdk();
    this.clientReady ??= this.givenClient ? Promise.resolve(this.givenClient) : s3ClientFromEnv();
    return { client: await this.clientReady, sdk };
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private cached(key: string): string {
    return path.join(this.cacheDir, 'objects', ...key.split('/'));
  }

  async readText(key: string): Promise<string | undefined> {
    const { client, sdk } = await this.s3();
    try {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return await response.Body!.transformToString('utf8');
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    const { client, sdk } = await this.s3();
    await client.send(
      new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, ContentType: contentType(key) }),
    );
  }

  async putFile(localFile: string, key: string, options: { move?: boolean } = {}): Promise<void> {
    const { client } = await this.s3();
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: createReadStream(localFile), ContentType: contentType(key) },
      partSize: 8 * 1024 * 1024,
      queueSize: 4,
    });
    await upload.done();
    if (options.move) {
      // Keep the bytes as the cached copy: the next reader need not download them again.
      const target = this.cached(key);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(localFile, target).catch(() => rm(localFile, { force: true }));
    }
  }

  async exists(key: string): Promise<boolean> {
    const { client, sdk } = await this.s3();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const full = this.objectKey(prefix);
    let token: string | undefined;
    const { client, sdk } = await this.s3();
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key && !object.Key.endsWith('/')) keys.push(this.prefix ? object.Key.slice(this.prefix.length + 1) : object.Key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async remove(key: string): Promise<void> {
    const { client, sdk } = await this.s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    await rm(this.cached(key), { force: true });
  }

  async localFile(key: string): Promise<string> {
    const target = this.cached(key);
    if (await stat(target).then(() => true, () => false)) return target;
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
    await this.download(key, temp);
    await rename(temp, target);
    return target;
  }

  /** Streams an object to a local file (no caching). */
  async download(key: string, file: string): Promise<void> {
    const { client, sdk } = await this.s3();
    const response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    await pipeline(response.Body as Readable, createWriteStream(file));
  }

  scratchRoot(): string {
    return path.join(this.cacheDir, '_tmp');
  }

  async createExclusive(key: string, text: string): Promise<boolean> {
    // S3 enforces If-None-Match on PUT; the HEAD first also covers S3-compatible servers that ignore it.
    if (await this.exists(key)) return false;
    const { client, sdk } = await this.s3();
    try {
      await client.send(
        new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, IfNoneMatch: '*', ContentType: 'application/json' }),
      );
      return true;
    } catch (error) {
      const status = httpStatus(error);
      if (status === 412 || status === 409) return false;
      throw error;
    }
  }
}

function contentType(key: string): string | undefined {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return undefined;
}
