import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/feeds/records.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-csv-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function records(content: string | Buffer, delimiter = ',', options: { encoding?: string; format?: 'csv' | 'jsonl'; columns?: string[] } = {}) {
  const file = path.join(dir, `f${Math.random()}.txt`);
  await writeFile(file, content);
  const out = [];
  const source = { format: options.format ?? 'csv', delimiter, quote: '"', encoding: options.encoding ?? 'utf-8' } as const;
  for await (const r of readRecords(file, source, options.columns ?? [])) out.push(r);
  return out;
}

describe('readRecords (CSV)', () => {
  it('strips a byte-order mark and reads CRLF lines', async () => {
    const rows = await records('\ufeffa,b\r\n1,2\r\n3,4\r\n');
    expect(rows.map((r) => r.values)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('reports the physical start line of records after quoted fields spanning lines', async () => {
    const rows = await records('id;text\r\n1;"two\r\nlines"\r\n\r\n2;"three\nlines\nhere"\r\n3;plain', ';');
    expect(rows.map((r) => [r.values?.[0], r.line])).toEqual([['id', 1], ['1', 2], ['2', 5], ['3', 8]].map(([v, l]) => [v, l]));
    expect(rows[1]!.values?.[1]).toBe('two\r\nlines');
  }, 10_000);

  it('keeps stray quotes inside unquoted fields as text', async () => {
    const rows = await records('sku,description\n1,RECORD FRAME 7" SINGLE\n2,"QUOTED ""TWICE"""\n');
    expect(rows.map((r) => r.values?.[1])).toEqual(['description', 'RECORD FRAME 7" SINGLE', 'QUOTED "TWICE"']);
  });

  it('reports a quote that is never closed as an unreadable record, not a lost file', async () => {
    const rows = await records('a,b\n1,2\n3,"open\n4,5\n');
    expect(rows[1]).toEqual({ line: 2, values: ['1', '2'] });
    expect(rows[2]!.error).toMatch(/quote/i);
  });

  it('keeps records with the wrong number of fields for the caller to quarantine', async () => {
    const rows = await records('a,b\n1,2,3\n4\n');
    expect(rows.map((r) => r.values?.length)).toEqual([2, 3, 1]);
  });

  it('decodes GBK, as Chinese store systems export it', async () => {
    // 'name,city' then 王立,长沙 in GBK bytes
    const gbk = Buffer.concat([Buffer.from('name,city\n'), Buffer.from('cdf5c1a22cb3a4c9b30a', 'hex')]);
    const rows = await records(gbk, ',', { encoding: 'gbk' });
    expect(rows.map((r) => r.values)).toEqual([['name', 'city'], ['王立', '长沙']]);
  });

  it('reads gzip-compressed files transparently', async () => {
    const rows = await records(gzipSync(Buffer.from('a,b\n1,2\n3,4\n')));
    expect(rows.map((r) => r.values)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
  });

  it('rejects an unknown encoding with its name', async () => {
    await expect(records('a\n1\n', ',', { encoding: 'klingon' })).rejects.toThrow('unknown encoding "klingon"');
  });
});

describe('readRecords (JSON lines)', () => {
  it('reads the mapping\'s columns, nested keys by dots, and reports bad lines with their number', async () => {
    const text = ['{"id": 1, "user": {"id": "u7"}, "type": "view"}', '', '{"id": 2, "type": "cart", "extra": [1]}', 'not json', '[1,2]', '{"id": 3, "user": null}'].join('\n');
    const rows = await records(text, ',', { format: 'jsonl', columns: ['id', 'user.id', 'type'] });
    expect(rows).toEqual([
      { line: 0, values: ['id', 'user.id', 'type'] },
      { line: 1, values: ['1', 'u7', 'view'] },
      { line: 3, values: ['2', '', 'cart'] },
      { line: 4, error: expect.stringMatching(/not valid JSON/) },
      { line: 5, error: 'a JSON line must be an object' },
      { line: 6, values: ['3', '', ''] },
    ]);
  });
});
