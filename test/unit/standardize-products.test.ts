import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAliasTable, ProductAliasTable, resolveProduct } from '../../src/customers/standardize/products.js';

const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../samples/product-aliases.csv');
let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-aliases-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('product alias table (samples/product-aliases.csv)', () => {
  const table = loadAliasTable(SAMPLE);

  it.each([
    ['依维柯', 'IVECO', null],
    ['IVECO', 'IVECO', null],
    ['iveco', 'IVECO', null],
    ['Iveco Daily', 'IVECO', 'Daily'],
    ['IVECO DAILY 35S14 厢式车', 'IVECO', 'Daily'],
    ['ｉｖｅｃｏ　ｄａｉｌｙ', 'IVECO', 'Daily'],
    ['Iveco   Daily', 'IVECO', 'Daily'],
    ['A42', 'IVECO', 'A42'],
    ['依维柯A42', 'IVECO', 'A42'],
    ['南京依维柯得意 2.8T', 'IVECO', 'Daily'],
    ['我想买一辆依维柯宝迪', 'IVECO', 'Power Daily'],
    ['江铃福特新世代全顺', 'Ford', 'Transit'],
    ['Ford Transit Custom', 'Ford', 'Transit'],
    ['奔驰凌特', 'Mercedes-Benz', 'Sprinter'],
  ])('%s → %s %s', (text, brand, model) => {
    expect(table.resolve(text)).toMatchObject({ brand, model });
  });

  it('the longest alias wins', () => {
    expect(table.resolve('Iveco Power Daily')).toEqual({ brand: 'IVECO', model: 'Power Daily', alias: 'power daily' });
    expect(table.resolve('南京依维柯')?.alias).toBe('南京依维柯');
  });

  it('Latin aliases match whole words only', () => {
    expect(table.resolve('BA421')).toBeNull();
    expect(table.resolve('a42 van')?.model).toBe('A42');
    expect(table.resolve('Fordham Road')).toBeNull();
  });

  it('no alias, no product', () => {
    expect(table.resolve('丰田海狮')).toBeNull();
    expect(table.resolve('')).toBeNull();
    expect(table.resolve(null)).toBeNull();
  });

  it('resolveProduct uses the table loaded last', () => {
    loadAliasTable(SAMPLE);
    expect(resolveProduct('依维柯')).toMatchObject({ brand: 'IVECO', model: null });
    expect(resolveProduct('凌特', new ProductAliasTable([{ alias: '凌特', brand: 'X', model: 'Y' }]))).toMatchObject({ brand: 'X' });
  });
});

describe('loadAliasTable errors', () => {
  it('rejects a file without the columns and contradictory aliases', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'name,maker\nA,B\n');
    expect(() => loadAliasTable(bad)).toThrow(/columns alias,brand,model/);
    const twice = path.join(dir, 'twice.csv');
    await writeFile(twice, 'alias,brand,model\nDaily,IVECO,Daily\nDAILY,Other,Daily\n');
    expect(() => loadAliasTable(twice)).toThrow(/maps to both/);
  });
});
