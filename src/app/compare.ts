import type { Engine } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import type { WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

/** Columns that differ by design between two builds (the build's own id and time, the id of the build that trained the matching parameters). */
const PER_BUILD_COLUMNS = new Set(['run_id', 'built_at', 'trained_run_id']);

/** Floats compared to 10 significant digits: engines sum in different orders. */
export const canonical = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Number(value.toPrecision(10)) : value);

/** Each column's values, sorted, and the rows as a whole: a difference then names its column. */
async function snapshot(engine: Engine, model: string): Promise<Map<string, string[]>> {
  const { rows } = await engine.query(`SELECT * FROM ${engine.modelRelation(model)}`);
  const out = new Map<string, string[]>();
  const kept = (row: Record<string, unknown>) => Object.entries(row).filter(([name]) => !PER_BUILD_COLUMNS.has(name.toLowerCase()));
  for (const [name] of kept(rows[0] ?? {})) out.set(name.toLowerCase(), rows.map((row) => JSON.stringify(canonical(row[name]))).sort());
  out.set('', rows.map((row) => JSON.stringify(kept(row).map(([name, value]) => [name.toLowerCase(), canonical(value)]))).sort());
  return out;
}

function differences(model: string, expected: Map<string, string[]>, actual: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [name, values] of expected) {
    if (name === '') continue;
    const other = actual.get(name);
    if (!other) out.push(`${model}.${name}: missing`);
    else if (values.length !== other.length) out.push(`${model}: ${values.length} vs ${other.length} rows`);
    else {
      const i = values.findIndex((value, k) => value !== other[k]);
      if (i >= 0) out.push(`${model}.${name}: ${values[i]} vs ${other[i]}`);
    }
  }
  if (!out.length && JSON.stringify(expected.get('')) !== JSON.stringify(actual.get(''))) out.push(`${model}: the same column values, paired differently in rows`);
  return [...new Set(out)];
}

/**
 * Compares every model of two warehouses over one lake (e.g. the DuckDB build and the Athena
 * build before moving to AWS): the differences, each naming the model and the column, or none.
 * It compares the stored values, contact fields included (an operator's check, not an analyst's view).
 */
export async function compareWarehouses(lake: Lake, left: WarehouseSettings, right: WarehouseSettings, models?: string[]): Promise<string[]> {
  return withWarehouse(
    lake,
    (a) =>
      withWarehouse(
        lake,
        async (b) => {
          const names = models ?? a.catalog().map((e) => e.name);
          const builtRight = new Set(b.catalog().map((e) => e.name));
          const out: string[] = [];
          for (const name of names) {
            if (!builtRight.has(name)) out.push(`${name}: not built on ${right.engine}`);
            else out.push(...differences(name, await snapshot(a, name), await snapshot(b, name)));
          }
          return out;
        },
        { settings: right, readOnly: true, personalData: 'open' },
      ),
    { settings: left, readOnly: true, personalData: 'open' },
  );
}
