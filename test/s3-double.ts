import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * An in-memory S3 that enforces what fauxqs ignores: a PUT with If-None-Match: * fails with 412
 * when the key exists, a PUT with If-Match fails with 412 when the ETag differs and 404 when the
 * object is gone. Every call yields to the event loop for a random moment, so concurrent callers
 * in one process interleave between a HEAD and a PUT as separate Lambdas would.
 */
export function conditionalS3Double() {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const objects = new Map<string, { body: string; etag: string; modified: Date }>();
  const puts: PutObjectCommandInput[] = [];
  const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
  const fail = (status: number, name: string) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
  const id = (input: { Bucket?: string; Key?: string }) => `${input.Bucket}/${input.Key}`;

  mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    await jitter();
    puts.push(input);
    const existing = objects.get(id(input));
    if (input.IfNoneMatch === '*' && existing) throw fail(412, 'PreconditionFailed');
    if (input.IfMatch !== undefined) {
      if (!existing) throw fail(404, 'NoSuchKey');
      if (existing.etag !== input.IfMatch) throw fail(412, 'PreconditionFailed');
    }
    const body = String(input.Body);
    const etag = `"${createHash('md5').update(body + Math.random()).digest('hex')}"`;
    objects.set(id(input), { body, etag, modified: new Date() });
    return { ETag: etag };
  });
  mock.on(GetObjectCommand).callsFake(async (input) => {
    await jitter();
    const object = objects.get(id(input));
    if (!object) throw fail(404, 'NoSuchKey');
    return { ETag: object.etag, LastModified: object.modified, Body: { transformToString: async () => object.body } as never };
  });
  mock.on(HeadObjectCommand).callsFake(async (input) => {
    await jitter();
    const object = objects.get(id(input));
    if (!object) throw fail(404, 'NotFound');
    return { ETag: object.etag, LastModified: object.modified };
  });
  mock.on(DeleteObjectCommand).callsFake(async (input) => {
    await jitter();
    objects.delete(id(input));
    return {};
  });
  mock.on(ListObjectsV2Command).callsFake(async (input) => {
    await jitter();
    const prefix = `${input.Bucket}/${input.Prefix ?? ''}`;
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    return { Contents: keys.map((k) => ({ Key: k.slice(String(input.Bucket).length + 1), ETag: objects.get(k)!.etag })), IsTruncated: false };
  });
  return { client, objects, puts, restore: () => mock.restore() };
}
