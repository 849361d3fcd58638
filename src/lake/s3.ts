import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KeyVersion, LakeStore, VersionedText } from './store.js';

/**
 * The AWS SDK is loaded on first use, not with this module: every command imports the lake, and
 * a local lake should not pay a fifth of a second of start-up for a client it never calls.
 */
type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdkModule: Promise<S3Sdk> | undefined;
const loadSdk = () => (sdkModule ??= import('@aws-sdk/client-s3'));

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

/** The HTTP status of an S3 service error (the SDK's S3ServiceException), else undefined. */
const httpStatus = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** A service error (it carries S3's $metadata) saying the object is not there. */
const notFound = (error: unknown) => {
  const status = httpStatus(error);
  const name = (error as { name?: string }).name;
  return status !== undefined && (name === 'NoSuchKey' || name === 'NotFound' || status === 404);
};

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

  /** Without a client, one is made from the environment (s3ClientFromEnv) on first use. */
  constructor(
    uri: string,
    client?: S3Client,
    cacheDir?: string,
  ) {
    if (client) this.clientReady = Promise.resolve(client);
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    const id = createHash('sha256').update(this.uri).digest('hex').slice(0, 12);
    this.cacheDir = path.resolve(cacheDir ?? process.env.CRMLAKE_CACHE ?? path.join(os.tmpdir(), 'crmlake-cache'), `${bucket}-${id}`);
  }

  /** The S3 client this store sends with (the one it was given, or one from the environment). */
  client(): Promise<S3Client> {
    return (this.clientReady ??= s3ClientFromEnv());
  }

  /** The client and the SDK's command classes, both loaded. */
  private async s3(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    const [sdk, client] = await Promise.all([loadSdk(), this.client()]);
    return { client, sdk };
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

  async writeText(key: string, text: string): Promise<string | undefined> {
    const { client, sdk } = await this.s3();
    const put = await client.send(
      new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, ContentType: contentType(key), ...encryption() }),
    );
    return put.ETag;
  }

  async putFile(localFile: string, key: string, options: { move?: boolean } = {}): Promise<void> {
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: await this.client(),
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: createReadStream(localFile), ContentType: contentType(key), ...encryption() },
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
    return (await this.listVersions(prefix)).map((k) => k.key);
  }

  async listVersions(prefix: string): Promise<KeyVersion[]> {
    const { client, sdk } = await this.s3();
    const keys: KeyVersion[] = [];
    const full = this.objectKey(prefix);
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key && !object.Key.endsWith('/')) {
          keys.push({ key: this.prefix ? object.Key.slice(this.prefix.length + 1) : object.Key, version: object.ETag ?? '' });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

  async createExclusive(key: string, text: string): Promise<string | undefined> {
    // S3 enforces If-None-Match on PUT; the HEAD first narrows the window on S3-compatible
    // servers that ignore it (fauxqs does), where nothing can make the create exclusive.
    if (await this.exists(key)) return undefined;
    const { client, sdk } = await this.s3();
    try {
      const put = await client.send(
        new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, IfNoneMatch: '*', ContentType: 'application/json', ...encryption() }),
      );
      return put.ETag ?? '*';
    } catch (error) {
      if (preconditionFailed(error)) return undefined;
      throw error;
    }
  }

  async readVersioned(key: string): Promise<VersionedText | undefined> {
    const { client, sdk } = await this.s3();
    try {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const text = await response.Body!.transformToString('utf8');
      return { text, version: response.ETag ?? '', modifiedMs: response.LastModified?.getTime() ?? Date.now() };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  /** A PUT with If-Match: S3 answers 412 when the object changed and 404 when it is gone. */
  async replaceIfVersion(key: string, text: string, version: string): Promise<string | undefined> {
    const { client, sdk } = await this.s3();
    try {
      const put = await client.send(
        new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, IfMatch: version, ContentType: 'application/json', ...encryption() }),
      );
      return put.ETag ?? version;
    } catch (error) {
      if (preconditionFailed(error) || notFound(error)) return undefined;
      throw error;
    }
  }
}

/**
 * Every object the lake writes asks for server-side encryption (SSE-S3, AES256) explicitly, so
 * the data is encrypted at rest even in a bucket whose default encryption was changed or never
 * set; CRMLAKE_S3_KMS_KEY switches to SSE-KMS with that key.
 */
const encryption = () =>
  process.env.CRMLAKE_S3_KMS_KEY
    ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: process.env.CRMLAKE_S3_KMS_KEY }
    : { ServerSideEncryption: 'AES256' as const };

const preconditionFailed = (error: unknown) => {
  const status = httpStatus(error);
  return status === 412 || status === 409;
};

function contentType(key: string): string | undefined {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return undefined;
}
