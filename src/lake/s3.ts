import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { KeyVersion, LakeStore, VersionedText } from './store.js';

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
export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.CRMLAKE_S3_ENDPOINT;
  return new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

const notFound = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);

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

  constructor(
    uri: string,
    readonly client: S3Client = s3ClientFromEnv(),
    cacheDir?: string,
  ) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    const id = createHash('sha256').update(this.uri).digest('hex').slice(0, 12);
    this.cacheDir = path.resolve(cacheDir ?? process.env.CRMLAKE_CACHE ?? path.join(os.tmpdir(), 'crmlake-cache'), `${bucket}-${id}`);
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private cached(key: string): string {
    return path.join(this.cacheDir, 'objects', ...key.split('/'));
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return await response.Body!.transformToString('utf8');
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async writeText(key: string, text: string): Promise<string | undefined> {
    const put = await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, ContentType: contentType(key), ...encryption() }),
    );
    return put.ETag;
  }

  async putFile(localFile: string, key: string, options: { move?: boolean } = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
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
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
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
    const keys: KeyVersion[] = [];
    const full = this.objectKey(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
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
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
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
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    await pipeline(response.Body as Readable, createWriteStream(file));
  }

  scratchRoot(): string {
    return path.join(this.cacheDir, '_tmp');
  }

  async createExclusive(key: string, text: string): Promise<string | undefined> {
    // S3 enforces If-None-Match on PUT; the HEAD first narrows the window on S3-compatible
    // servers that ignore it (fauxqs does), where nothing can make the create exclusive.
    if (await this.exists(key)) return undefined;
    try {
      const put = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, IfNoneMatch: '*', ContentType: 'application/json', ...encryption() }),
      );
      return put.ETag ?? '*';
    } catch (error) {
      if (preconditionFailed(error)) return undefined;
      throw error;
    }
  }

  async readVersioned(key: string): Promise<VersionedText | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const text = await response.Body!.transformToString('utf8');
      return { text, version: response.ETag ?? '', modifiedMs: response.LastModified?.getTime() ?? Date.now() };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  /** A PUT with If-Match: S3 answers 412 when the object changed and 404 when it is gone. */
  async replaceIfVersion(key: string, text: string, version: string): Promise<string | undefined> {
    try {
      const put = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: text, IfMatch: version, ContentType: 'application/json', ...encryption() }),
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
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return status === 412 || status === 409;
};

function contentType(key: string): string | undefined {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return undefined;
}
