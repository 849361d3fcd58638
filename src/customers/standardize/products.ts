/**
 * Product / model name rule.
 *
 * Free-text product mentions (依维柯, IVECO, Iveco Daily 35S14, A42 …) resolve to a brand and a
 * model through an alias table, a CSV with the columns `alias,brand,model` (model may be empty:
 * the alias names the brand only). Matching is case- and width-insensitive (NFKC + lower case,
 * single spaces) and finds aliases anywhere in the text; the **longest** alias found wins
 * ("Iveco Daily" beats "Iveco"), except that a brand-only alias never hides a model of the same
 * brand named elsewhere in the text (南京依维柯得意 → IVECO Daily, not just IVECO); on equal
 * length the leftmost wins.
 * An alias that starts or ends with a Latin letter or digit only matches at a word boundary, so
 * `A42` is found in "依维柯A42" and "a42 van" but not in "BA421".
 *
 * Usage: `const table = loadAliasTable('samples/product-aliases.csv'); table.resolve(text)`, or
 * `resolveProduct(text)` with the table loaded last.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { clean } from './text.js';

export interface ResolvedProduct {
  brand: string;
  model: string | null;
  /** The alias that matched, normalized. */
  alias: string;
}

const ALNUM = /[a-z0-9]/;
const normalize = (s: string): string => (clean(s) ?? '').toLowerCase();

export class ProductAliasTable {
  private readonly byAlias = new Map<string, { brand: string; model: string | null }>();
  /** Distinct alias lengths, longest first: at each position only these substrings are looked up. */
  private lengths: number[] = [];

  constructor(rows: Iterable<{ alias: string; brand: string; model?: string | null }>) {
    for (const row of rows) {
      const alias = normalize(row.alias);
      const brand = clean(row.brand);
      if (alias === '' || brand === null) throw new Error(`product alias table: alias and brand are required (${JSON.stringify(row)})`);
      const model = clean(row.model ?? null);
      const existing = this.byAlias.get(alias);
      if (existing && (existing.brand !== brand || existing.model !== model)) {
        throw new Error(`product alias table: "${row.alias}" maps to both ${existing.brand}/${existing.model ?? ''} and ${brand}/${model ?? ''}`);
      }
      this.byAlias.set(alias, { brand, model });
    }
    this.lengths = [...new Set([...this.byAlias.keys()].map((a) => a.length))].sort((a, b) => b - a);
  }

  get size(): number {
    return this.byAlias.size;
  }

  /** The brand and model named in `text`, or null. */
  resolve(text: string | null | undefined): ResolvedProduct | null {
    if (text == null) return null;
    const s = normalize(text);
    let bestModel: ResolvedProduct | null = null;
    let bestBrand: ResolvedProduct | null = null;
    for (let i = 0; i < s.length; i++) {
      for (const len of this.lengths) {
        if (i + len > s.length) continue;
        const candidate = s.slice(i, i + len);
        const hit = this.byAlias.get(candidate);
        if (hit === undefined) continue;
        if (ALNUM.test(candidate[0]!) && i > 0 && ALNUM.test(s[i - 1]!)) continue;
        if (ALNUM.test(candidate[len - 1]!) && i + len < s.length && ALNUM.test(s[i + len]!)) continue;
        const found = { brand: hit.brand, model: hit.model, alias: candidate };
        if (hit.model !== null) {
          if (bestModel === null || len > bestModel.alias.length) bestModel = found;
        } else if (bestBrand === null || len > bestBrand.alias.length) {
          bestBrand = found;
        }
        break; // the longest alias at this position
      }
    }
    if (bestModel === null) return bestBrand;
    if (bestBrand === null || bestBrand.brand === bestModel.brand || bestModel.alias.length >= bestBrand.alias.length) return bestModel;
    return bestBrand;
  }
}

let lastLoaded: ProductAliasTable | null = null;

/** Reads an alias CSV (header `alias,brand,model`) and makes it the table `resolveProduct` uses. */
export function loadAliasTable(csvFile: string): ProductAliasTable {
  const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true, comment: '#' }) as Record<string, string>[];
  if (rows.length > 0 && !('alias' in rows[0]! && 'brand' in rows[0]!)) throw new Error(`${csvFile}: columns alias,brand,model expected`);
  lastLoaded = new ProductAliasTable(rows.map((r) => ({ alias: r.alias ?? '', brand: r.brand ?? '', model: r.model || null })));
  return lastLoaded;
}

/** Resolves a product mention with `table`, by default the table loaded last by `loadAliasTable`. */
export function resolveProduct(text: string | null | undefined, table: ProductAliasTable | null = lastLoaded): ResolvedProduct | null {
  if (table === null) throw new Error('resolveProduct: no alias table loaded (call loadAliasTable first)');
  return table.resolve(text);
}
