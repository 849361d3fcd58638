import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, S3Event } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCollectorHandler } from '../../lambdas/collector.js';
import { createIngestHandler } from '../../lambdas/ingest.js';
import { COLLECTOR_LIMITS, signBody } from '../../src/feeds/web/collector.js';
import { Lake } from '../../src/lake/lake.js';
import { S3Store } from '../../src/lake/s3.js';
import { queryLake, RETAIL_DAYS, scratchDir } from '../helpers.js';
import { startLocalS3, type LocalS3 } from '../s3.js';

const SECRET = 'test-shared-secret';
let s3: LocalS3;
let dir: string;
let cleanup: () => Promise<void>;
let stdout: string[];

const lake = () => new Lake(new S3Store(`s3://${s3.bucket}/lake`, s3.client, path.join(dir, 'cache')));
const landing = () => new S3Store(`s3://${s3.bucket}/landing`, s3.client, path.join(dir, 'landing-cache'));

/** An S3 "ObjectCreated:Put" notification as Lambda receives it (key URL-encoded). */
function s3Event(key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:TEST' }, requestParameters: { sourceIPAddress: '10.0.0.1' },
        responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
        s3: {
          s3SchemaVersion: '1.0', configurationId: 'landing-created',
          bucket: { name: s3.bucket, ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${s3.bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: 1, eTag: 'etag', sequencer: '0A1B2C' },
        },
      },
    ],
  };
}

/** An API Gateway HTTP API (payload v2) request. */
function httpEvent(body: string, headers: Record<string, string>, method = 'POST'): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: 'POST /events', rawPath: '/events', rawQueryString: '', headers, body, isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012', apiId: 'api', domainName: 'collect.example.com', domainPrefix: 'collect', requestId: 'r1',
      routeKey: 'POST /events', stage: '$default', time: '23/Nov/2026:10:15:00 +0000', timeEpoch: Date.now(),
      http: { method, path: '/events', protocol: 'HTTP/1.1', sourceIp: '10.0.0.2', userAgent: 'test' },
    },
  };
}

function signed(body: string, at = Date.now(), secret = SECRET): Record<string, string> {
  const ts = Math.floor(at / 1000);
  return { 'content-type': 'application/json', 'x-crmlake-timestamp': String(ts), 'x-crmlake-signature': signBody(secret, ts, body) };
}

const query = (sql: string) => queryLake(lake(), sql);

beforeAll(async () => {
  s3 = await startLocalS3('lambda-test');
  ({ dir, cleanup } = await scratchDir('lambdas'));
});
afterAll(async () => {
  await s3?.stop();
  await cleanup?.();
});
afterEach(() => vi.restoreAllMocks());

function captureStdout() {
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
}

describe('ingest Lambda (S3 event → lake)', () => {
  it('ingests a landed POS file, logs the reconciliation and publishes row metrics', async () => {
    const key = 'landing/pos/online-retail/store 12/2010-12-01.csv';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(path.join(RETAIL_DAYS, '2010-12-01.csv')) }));
    process.env.LANDING_PREFIX = 'landing';
    captureStdout();
    const handler = createIngestHandler({ client: s3.client, lake: lake() });
    const result = await handler(s3Event(key));
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ outcome: 'landed', read: 3108, landed: 3108, quarantined: 0, deliveryKey: 'online-retail/store 12/2010-12-01.csv' });
    expect(await query('SELECT count(*) AS n FROM curated.pos_lines')).toEqual([{ n: 3108 }]);
    const logs = stdout.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(logs.find((l) => l.message === 'ingested')).toMatchObject({ level: 'INFO', service: 'crmlake-ingest', key, landed: 3108 });
    const emf = logs.find((l) => l._aws?.CloudWatchMetrics);
    expect(emf).toMatchObject({ feed: 'pos', rowsLanded: 3108, rowsQuarantined: 0 });

    // Another store's file of the same name is another delivery, not a replacement.
    const other = 'landing/pos/online-retail/store 13/2010-12-01.csv';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: other, Body: await readFile(path.join(RETAIL_DAYS, '2010-12-01.csv')) }));
    expect((await handler(s3Event(other))).files[0]).toMatchObject({ outcome: 'landed', deliveryKey: 'online-retail/store 13/2010-12-01.csv' });
    expect(await query('SELECT count(*) AS n FROM curated.pos_lines')).toEqual([{ n: 2 * 3108 }]);

    // The same notification again (S3 delivers at least once): nothing changes.
    const again = await handler(s3Event(key));
    expect(again.files[0]).toMatchObject({ outcome: 'unchanged' });
    expect(await query('SELECT count(*) AS n FROM curated.pos_lines')).toEqual([{ n: 2 * 3108 }]);
  });

  it('fails (so Lambda retries or dead-letters) on a key that names no feed', async () => {
    const key = 'landing/nowhere.csv';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'a,b\n1,2\n' }));
    const handler = createIngestHandler({ client: s3.client, lake: lake() });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(handler(s3Event(key))).rejects.toThrow(/does not follow <feed>\/<mapping>\/<file>/);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'landing/loyalty/x/a.csv', Body: 'a\n' }));
    await expect(handler(s3Event('landing/loyalty/x/a.csv'))).rejects.toThrow(/Unknown feed "loyalty"/);
  });
});

describe('collector Lambda (HTTPS → landing → lake)', () => {
  const events = [
    { session_id: 's-1', event_type: 'page_view', occurred_at: '2026-11-23T10:15:00+08:00', page_url: '/home' },
    { session_id: 's-1', event_type: 'product_view', occurred_at: '2026-11-23T02:16:10Z', item_id: 'A42', customer_id: 'c-7' },
    { session_id: 's-1', event_type: 'purchase', occurred_at: '2026-11-23T02:20:00.500Z', order_id: 'o-9', value: 129.9, currency: 'eur', customer_id: 'c-7' },
  ];

  it('accepts a signed batch, lands it as one object, and the ingest Lambda lands the events', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = createCollectorHandler({ landing: landing(), secret: SECRET });
    const body = JSON.stringify({ batch_id: 'batch-0001', events });
    const response = await handler(httpEvent(body, signed(body)));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual({ accepted: 3, batch_id: 'batch-0001' });
    // A retry of the same batch lands under the same key: still one object.
    expect((await handler(httpEvent(body, signed(body)))).statusCode).toBe(202);
    const keys = await landing().list('web/collector/');
    expect(keys).toHaveLength(1);

    const ingest = createIngestHandler({ client: s3.client, lake: lake() });
    const result = await ingest(s3Event(`landing/${keys[0]}`));
    expect(result.files[0]).toMatchObject({ read: 3, landed: 3, quarantined: 0 });
    const rows = await query(
      `SELECT event_id, event_type, CAST(occurred_at AS VARCHAR) AS at, business_date::VARCHAR AS day, value, currency, customer_id
       FROM curated.web_events ORDER BY occurred_at`,
    );
    expect(rows).toEqual([
      { event_id: 'batch-0001-0', event_type: 'page_view', at: '2026-11-23 02:15:00', day: '2026-11-23', value: null, currency: null, customer_id: null },
      { event_id: 'batch-0001-1', event_type: 'product_view', at: '2026-11-23 02:16:10', day: '2026-11-23', value: null, currency: null, customer_id: 'c-7' },
      { event_id: 'batch-0001-2', event_type: 'purchase', at: '2026-11-23 02:20:00.5', day: '2026-11-23', value: 129.9, currency: 'EUR', customer_id: 'c-7' },
    ]);
  });

  it('never overwrites an acknowledged batch: a reused batch_id with other events is refused (409)', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const store = new S3Store(`s3://${s3.bucket}/landing-reuse`, s3.client, path.join(dir, 'reuse-cache'));
    const handler = createCollectorHandler({ landing: store, secret: SECRET });
    const first = JSON.stringify({ batch_id: 'batch-reused', events });
    expect((await handler(httpEvent(first, signed(first)))).statusCode).toBe(202);
    const other = JSON.stringify({ batch_id: 'batch-reused', events: [{ ...events[0], session_id: 's-other' }] });
    const refused = await handler(httpEvent(other, signed(other)));
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body!).error).toMatch(/batch_id batch-reused was already used for a different batch/);
    const keys = await store.list('');
    expect(keys).toEqual(['web/collector/batch/batch-reused.jsonl']);
    expect((await store.readText(keys[0]!))!.trim().split('\n')).toHaveLength(3);
  });

  it('stores a batch retried across an hour boundary once', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const store = new S3Store(`s3://${s3.bucket}/landing-hour`, s3.client, path.join(dir, 'hour-cache'));
    const body = JSON.stringify({ batch_id: 'batch-hourly', events });
    const before = Date.parse('2026-11-23T10:59:59Z');
    const after = Date.parse('2026-11-23T11:00:02Z');
    const first = await createCollectorHandler({ landing: store, secret: SECRET, now: () => new Date(before) })(httpEvent(body, signed(body, before)));
    const retry = await createCollectorHandler({ landing: store, secret: SECRET, now: () => new Date(after) })(httpEvent(body, signed(body, after)));
    expect([first.statusCode, retry.statusCode]).toEqual([202, 202]);
    expect(JSON.parse(retry.body!)).toEqual({ accepted: 3, batch_id: 'batch-hourly', duplicate: true });
    expect(await store.list('')).toHaveLength(1);
  });

  it('rejects replays of the same signed request without a batch_id (stored once)', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const store = new S3Store(`s3://${s3.bucket}/landing-replay`, s3.client, path.join(dir, 'replay-cache'));
    const handler = createCollectorHandler({ landing: store, secret: SECRET });
    const body = JSON.stringify({ events });
    const headers = signed(body);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await handler(httpEvent(body, headers))).statusCode);
    expect(statuses).toEqual([202, 409, 409, 409, 409]);
    expect(await store.list('')).toHaveLength(1);
    // The same events signed anew are a new request: stored, under another key.
    expect((await handler(httpEvent(body, signed(body, Date.now() + 1000)))).statusCode).toBe(202);
    expect(await store.list('')).toHaveLength(2);
  });

  it('answers 4xx with a clear message on bad requests and stores nothing', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const store = new S3Store(`s3://${s3.bucket}/landing-refused`, s3.client, path.join(dir, 'refused-cache'));
    const handler = createCollectorHandler({ landing: store, secret: SECRET });
    const body = JSON.stringify({ events });
    const deep = JSON.stringify({ events: [{ ...events[0], extra: 0 }] }).replace('"extra":0', `"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    const longSession = JSON.stringify({ events: [{ ...events[0], session_id: 's'.repeat(900_000) }] });
    const cases: [string, APIGatewayProxyEventV2, number, RegExp][] = [
      ['wrong secret', httpEvent(body, signed(body, Date.now(), 'guess')), 401, /signature does not match/],
      ['no signature', httpEvent(body, { 'content-type': 'application/json' }), 401, /missing x-crmlake-signature/],
      ['replayed', httpEvent(body, signed(body, Date.now() - 3600_000)), 401, /more than 300 s/],
      ['tampered body', httpEvent(body.replace('s-1', 's-2'), signed(body)), 401, /does not match/],
      ['GET', httpEvent(body, signed(body), 'GET'), 405, /use POST/],
      ['text body', httpEvent(body, { ...signed(body), 'content-type': 'text/plain' }), 415, /application\/json/],
      ['not JSON', httpEvent('{events:', signed('{events:')), 400, /not JSON/],
      ['bad event', httpEvent(JSON.stringify({ events: [events[0], { ...events[1], occurred_at: '23/11/2026' }] }), signed(JSON.stringify({ events: [events[0], { ...events[1], occurred_at: '23/11/2026' }] }))), 400, /event 1, occurred_at/],
      ['too big', httpEvent('x'.repeat(COLLECTOR_LIMITS.maxBodyBytes + 1), signed('x'.repeat(COLLECTOR_LIMITS.maxBodyBytes + 1))), 413, /larger than/],
      ['nested 10,000 deep', httpEvent(deep, signed(deep)), 400, /nested deeper than 32 levels/],
      ['900 kB session_id', httpEvent(longSession, signed(longSession)), 400, /event 0, session_id: session_id is longer than 200 characters/],
    ];
    for (const [name, event, status, message] of cases) {
      const response = await handler(event);
      expect({ name, status: response.statusCode }).toEqual({ name, status });
      expect(JSON.parse(response.body!).error).toMatch(message);
    }
    const tooMany = JSON.stringify({ events: Array.from({ length: COLLECTOR_LIMITS.maxEvents + 1 }, () => events[0]) });
    expect((await handler(httpEvent(tooMany, signed(tooMany)))).statusCode).toBe(413);
    expect(await store.list('')).toEqual([]);
  });
});
