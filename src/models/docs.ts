import type { Lake } from '../lake/lake.js';
import type { Project } from './project.js';
import { topologicalOrder } from './project.js';
import type { BuildRun, ModelRunResult } from './runner.js';

/** What `crmlake docs` shows for a model. */
export interface ModelDocs {
  name: string;
  kind: 'sql' | 'program';
  file: string;
  materialized: string;
  description?: string;
  tags: string[];
  /** Models it reads (ref) and feed tables (source as `feed.table`). */
  upstream: string[];
  /** Models that read it. */
  downstream: string[];
  columns: { name: string; description?: string; tests: string[] }[];
  /** Data tests (model-level and column-level) and unit tests, by name. */
  tests: string[];
  unitTests: string[];
  lastRun?: { status: ModelRunResult['status']; rows: number | null; seconds: number; engine: string; at: string; mode?: string; error?: string };
}

/** Every build's results, newest first. */
export async function readBuildRuns(lake: Lake): Promise<BuildRun[]> {
  const keys = (await lake.list('_runs/')).filter((k) => k.endsWith('-build.json')).sort().reverse();
  const runs: BuildRun[] = [];
  for (const key of keys) {
    const run = await lake.readJson<BuildRun>(key);
    if (run) runs.push(run);
  }
  return runs;
}

/** The latest result of each model across builds (a selective build runs only some). */
export function latestResults(runs: BuildRun[]): Map<string, ModelRunResult & { engine: string; at: string }> {
  const latest = new Map<string, ModelRunResult & { engine: string; at: string }>();
  for (const run of runs) {
    for (const result of run.results) {
      if (result.status === 'skipped' || latest.has(result.model)) continue;
      // A failed build commits nothing: its successes never reached the warehouse.
      if (run.committed === false && result.status === 'success') continue;
      latest.set(result.model, { ...result, engine: run.engine, at: run.startedAt });
    }
  }
  return latest;
}

export function projectDocs(project: Project, runs: BuildRun[] = [], only?: Set<string>): ModelDocs[] {
  const latest = latestResults(runs);
  const models = topologicalOrder(project.models).filter((m) => !only || only.has(m.name));
  return models.map((model) => {
    const last = latest.get(model.name);
    const columnTests = (column: string) => model.tests.filter((t) => t.column === column).map((t) => t.kind);
    return {
      name: model.name,
      kind: model.kind,
      file: model.kind === 'program' ? model.file : `models/${model.file}`,
      materialized: model.materialized,
      description: model.description?.trim(),
      tags: model.config.tags,
      upstream: [...model.refs, ...model.sources.map((s) => `${s.source}.${s.table}`)],
      downstream: project.models.filter((m) => m.refs.includes(model.name)).map((m) => m.name),
      columns: model.columns.map((c) => ({ name: c.name, description: c.description?.trim(), tests: columnTests(c.name) })),
      tests: model.tests.map((t) => t.name),
      unitTests: project.unitTests.filter((u) => u.model === model.name).map((u) => u.name),
      ...(last
        ? {
            lastRun: {
              status: last.status,
              rows: last.rows,
              seconds: last.seconds,
              engine: last.engine,
              at: last.at,
              ...(last.mode ? { mode: last.mode } : {}),
              ...(last.error ? { error: last.error } : {}),
            },
          }
        : {}),
    };
  });
}

/** Plain-text docs for a terminal. */
export function formatDocs(docs: ModelDocs[]): string {
  const out: string[] = [];
  for (const d of docs) {
    out.push(`${d.name}  (${d.kind === 'program' ? 'program, ' : ''}${d.materialized})  ${d.file}${d.tags.length ? `  tags: ${d.tags.join(', ')}` : ''}`);
    if (d.description) out.push(...wrap(d.description, 96).map((l) => `  ${l}`));
    out.push(`  upstream:   ${d.upstream.join(', ') || '(none)'}`);
    out.push(`  downstream: ${d.downstream.join(', ') || '(none)'}`);
    const run = d.lastRun;
    out.push(
      `  last run:   ${run ? `${run.status}${run.rows === null ? '' : `, ${run.rows.toLocaleString('en-US')} rows`}, ${run.seconds.toFixed(2)} s on ${run.engine} at ${run.at.replace('T', ' ').slice(0, 19)}${run.mode ? ` (${run.mode})` : ''}` : 'never built'}`,
    );
    if (d.tests.length || d.unitTests.length) out.push(`  tests:      ${[...d.tests, ...d.unitTests.map((u) => `${u} (unit)`)].join(', ')}`);
    if (d.columns.length) {
      out.push('  columns:');
      const width = Math.min(28, Math.max(...d.columns.map((c) => c.name.length)));
      for (const c of d.columns) {
        const tests = c.tests.length ? `  [${c.tests.join(', ')}]` : '';
        out.push(`    ${c.name.padEnd(width)}  ${c.description ?? ''}${tests}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
