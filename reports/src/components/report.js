// Shared formatting and small chart helpers for the report pages. Imported by name from
// node_modules (never the CDN): the site opens offline.
import * as Plot from "@observablehq/plot";
import {html} from "htl";
import {csvParse} from "d3";
import {CURRENCY} from "./currency.js";

export {CURRENCY};

const LOCALE = "en-GB";

export const isNum = (x) => typeof x === "number" && Number.isFinite(x);

/** Whole numbers with thousands separators; "–" when there is no value. */
export const count = (x) => (isNum(x) ? Math.round(x).toLocaleString(LOCALE) : "–");

/** Money in the reporting currency (var reporting_currency of the models, default GBP). */
export function money(x, digits = 0) {
  if (!isNum(x)) return "–";
  return x.toLocaleString(LOCALE, {style: "currency", currency: CURRENCY, minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/** The currency sign as amounts show it (£, CN¥, €…). */
export const currencySign = () => (0).toLocaleString(LOCALE, {style: "currency", currency: CURRENCY, maximumFractionDigits: 0}).replace(/[\d\s.,]/g, "");

/** A share 0–1 as a percentage. */
export const pct = (x, digits = 1) => (isNum(x) ? `${(x * 100).toFixed(digits)}%` : "–");

export const decimal = (x, digits = 2) =>
  isNum(x) ? x.toLocaleString(LOCALE, {minimumFractionDigits: digits, maximumFractionDigits: digits}) : "–";

export const seconds = (x) => (isNum(x) ? `${Math.round(x).toLocaleString(LOCALE)} s` : "–");

/** Seconds as m:ss. */
export function minutes(x) {
  if (!isNum(x)) return "–";
  const s = Math.round(x);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "2018-08-01" → a UTC Date (Plot's time scales are UTC). */
export const day = (iso) => (iso ? new Date(`${String(iso).slice(0, 10)}T00:00:00Z`) : null);

export const monthLabel = (iso) =>
  iso ? day(iso).toLocaleDateString(LOCALE, {month: "short", year: "numeric", timeZone: "UTC"}) : "–";

export const dayLabel = (iso) =>
  iso ? day(iso).toLocaleDateString(LOCALE, {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"}) : "–";

/** What a page shows instead of a chart or table when the mart has no rows. */
export function noData(message = "No data in the lake for this yet.") {
  return html`<p class="no-data">${message}</p>`;
}

/** The chart or table when there are rows, else the no-data message. */
export function orNoData(rows, message, render) {
  return rows && rows.length ? render() : noData(message);
}

/** A small line of a measure over time for KPI cards; the chosen point is marked. */
export function sparkline(rows, {x = "date", y, current, width = 200, height = 40, stroke = "var(--theme-foreground-focus)"} = {}) {
  const data = rows.filter((d) => isNum(d[y]));
  if (data.length < 2) return html`<div class="spark-empty">too few months for a trend</div>`;
  return Plot.plot({
    width,
    height,
    margin: 3,
    axis: null,
    y: {zero: false},
    marks: [
      Plot.lineY(data, {x, y, stroke, strokeWidth: 1.5}),
      Plot.dot(data.filter((d) => current != null && +d[x] === +current), {x, y, r: 2.5, fill: stroke})
    ]
  });
}

/** Sum of a field over rows (nulls skipped). */
export const total = (rows, field) => rows.reduce((s, d) => s + (isNum(d[field]) ? d[field] : 0), 0);

/** a / b, or null when b is 0 or missing. */
export const ratio = (a, b) => (isNum(a) && isNum(b) && b !== 0 ? a / b : null);

/** Groups rows by key(d) and sums the numeric fields given. */
export function sumBy(rows, key, fields) {
  const groups = new Map();
  for (const row of rows) {
    const k = key(row);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = {key: k, ...Object.fromEntries(fields.map((f) => [f, 0]))}));
    for (const f of fields) if (isNum(row[f])) g[f] += row[f];
  }
  return [...groups.values()];
}

/**
 * The gaps between the daily bars of a chart `width` pixels wide over `dates` (Plot's insetLeft
 * and insetRight): half a pixel each side while a day is wider than 3 px, none beyond (two years
 * of days in a half-width card are about half a pixel each, and the gaps would leave nothing of
 * the bars).
 */
export function dayGaps(width, dates) {
  const times = dates.map((d) => +d);
  const days = times.length ? (Math.max(...times) - Math.min(...times)) / 864e5 + 1 : 1;
  const inset = width / days > 3 ? 0.5 : 0;
  return {insetLeft: inset, insetRight: inset};
}

/** A Date (from a typed CSV) or an ISO string → "YYYY-MM-DD". */
export const iso = (d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d == null ? null : String(d).slice(0, 10));

/**
 * Rows of a CSV data file's text: numbers and true/false typed, empty cells null, everything
 * else (dates too) kept as text, as in the JSON data files. Pages call
 * csvRows(await FileAttachment(…).text()) rather than FileAttachment(…).csv(), for which
 * Framework would load d3-dsv from a CDN.
 */
export function csvRows(text) {
  if (!text.trim()) return [];
  return csvParse(text, (row) => {
    for (const key in row) row[key] = typed(row[key]);
    return row;
  });
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const typed = (v) => (v === "" ? null : v === "true" ? true : v === "false" ? false : NUMBER.test(v) ? +v : v);
