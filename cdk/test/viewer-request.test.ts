import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { viewerRequestCode } from '../lib/reports.js';

/**
 * The reports site's viewer-request function, run in Node. CloudFront's runtime is not available
 * here, so its one service, the KeyValueStore, is an in-memory map with the same `get` contract
 * (resolves the value, rejects for a missing key); `crypto` and `Buffer` are Node's, which the
 * cloudfront-js-2.0 runtime mirrors for what the function uses (createHash sha256, Buffer.from base64).
 */
type Request = { uri: string; headers: Record<string, { value: string }> };
type Response = { statusCode: number; headers: Record<string, { value: string }> };

async function loadFunction(users: Record<string, string>): Promise<(event: { request: Request }) => Promise<Request | Response>> {
  const g = globalThis as unknown as { __cloudfront: unknown };
  g.__cloudfront = {
    kvs: (id: string) => {
      expect(id).toBe('KVS-ID-123');
      return { get: async (key: string) => (key in users ? users[key] : Promise.reject(new Error('Key not found'))) };
    },
  };
  const code = viewerRequestCode('KVS-ID-123')
    .replace("import cf from 'cloudfront';", 'const cf = globalThis.__cloudfront;')
    .replace("import crypto from 'crypto';", "import crypto from 'node:crypto';")
    .concat('\nexport { handler };\n');
  const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return module.handler;
}

const hash = (user: string, password: string) => createHash('sha256').update(`${user}:${password}`).digest('hex');
const basic = (user: string, password: string) => ({ authorization: { value: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
const request = (uri: string, headers: Request['headers'] = {}) => ({ request: { uri, headers } });

describe('reports viewer-request function', () => {
  const users = { 'user:ceo': hash('ceo', 'correct horse'), 'user:cfo': hash('cfo', 'ünïcödé pässwörd') };

  it('asks for a login when there is none, a wrong one, or an unknown user', async () => {
    const handler = await loadFunction(users);
    for (const headers of [{}, basic('ceo', 'wrong'), basic('intruder', 'correct horse'), { authorization: { value: 'Bearer abc' } }, { authorization: { value: 'Basic !!!' } }]) {
      const answer = (await handler(request('/roi', headers))) as Response;
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']!.value).toMatch(/^Basic realm=/);
    }
  });

  it('lets a known user in (non-ASCII passwords too) and rewrites clean URLs to the site files', async () => {
    const handler = await loadFunction(users);
    const pass = async (uri: string, user = 'ceo', password = 'correct horse') => ((await handler(request(uri, basic(user, password)))) as Request).uri;
    expect(await pass('/')).toBe('/index.html');
    expect(await pass('/roi')).toBe('/roi.html');
    expect(await pass('/call-center')).toBe('/call-center.html');
    expect(await pass('/reports/')).toBe('/reports/index.html');
    expect(await pass('/_observablehq/client.abc123.js')).toBe('/_observablehq/client.abc123.js');
    expect(await pass('/_file/data/kpi_monthly.8f1c.csv')).toBe('/_file/data/kpi_monthly.8f1c.csv');
    expect(await pass('/satisfaction', 'cfo', 'ünïcödé pässwörd')).toBe('/satisfaction.html');
  });

  it('stays within CloudFront Functions limits (10 KB of code, no Node-only APIs)', () => {
    const code = viewerRequestCode('x'.repeat(36));
    expect(Buffer.byteLength(code)).toBeLessThan(10 * 1024);
    const source = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../lib/functions/viewer-request.js'), 'utf8');
    expect(source).not.toMatch(/require\(|process\.|setTimeout|fetch\(/);
    expect(source.match(/^import .+ from '(.+)';$/gm)).toEqual(["import cf from 'cloudfront';", "import crypto from 'crypto';"]);
  });
});
