import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/feeds/csv.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-csv-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function records(content: string, delimiter = ',') {
  const file = path.join(dir, `f${Math.random()}.csv`);
  await writeFile(file, content);
  const out = [];
  for await (const r of readCsv(file, { delimiter, quote: '"', encoding: 'utf8' })) out.push(r);
  return out;
}

describe('readCsv', () => {
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
});
