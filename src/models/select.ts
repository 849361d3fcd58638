import { ModelError } from './errors.js';
import { topologicalOrder, type Model } from './project.js';

/**
 * dbt's node selection, for `build`, `test`, `compile` and `docs`:
 *
 *   customer_rfm        the model
 *   customer_rfm+       the model and everything downstream of it (`+1` / `2+`: that many levels)
 *   +customer_rfm       the model and everything it is built from
 *   path:marts          models under models/marts (a folder or a file; program models by their source file)
 *   tag:daily           models tagged in config(tags=[…]) or in their YAML (config: { tags: […] })
 *   stg_*               a name with * wildcards
 *
 * Several selectors (space-separated or repeated) are a union; `a,b` is an intersection.
 * `--exclude` takes the same syntax and removes what it matches.
 */
export const SELECTION_HELP = `Selectors: <model>, <model>+ (and downstream), +<model> (and upstream), path:<folder>, tag:<tag>, name with * wildcards.
Several (space-separated or repeated) are a union; a,b is an intersection.`;

function graph(models: Model[]) {
  const children = new Map<string, string[]>(models.map((m) => [m.name, []]));
  for (const model of models) for (const ref of model.refs) children.get(ref)?.push(model.name);
  const parents = new Map(models.map((m) => [m.name, m.refs.filter((r) => children.has(r))]));
  return { parents, children };
}

/** Everything reachable from `start` along `edges`, up to `depth` steps (Infinity: all). */
function reach(start: string, edges: Map<string, string[]>, depth: number): string[] {
  const seen = new Set<string>();
  let frontier = [start];
  for (let level = 0; level < depth && frontier.length; level++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const other of edges.get(name) ?? []) {
        if (!seen.has(other)) {
          seen.add(other);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

function matchAtom(models: Model[], atom: string, flag: string): Set<string> {
  const parsed = /^(\d*\+)?(.*?)(\+\d*)?$/.exec(atom)!;
  const [, up, body, down] = parsed;
  if (!body) throw new ModelError(`${flag} ${atom}: name a model, path:<folder> or tag:<tag>`);
  let base: Model[];
  if (body.startsWith('path:')) {
    const wanted = body.slice(5).replace(/^\.?\//, '').replace(/^models\//, '').replace(/\/$/, '');
    base = models.filter((m) => m.file === wanted || m.file.startsWith(`${wanted}/`) || (wanted !== '' && m.file.replace(/\.(sql|ts)$/, '') === wanted));
    if (!base.length) {
      const folders = [...new Set(models.map((m) => m.file.split('/').slice(0, -1).join('/')).filter(Boolean))].sort();
      throw new ModelError(`${flag} ${atom}: no model is under ${wanted || '(empty path)'} (folders: ${folders.join(', ')})`);
    }
  } else if (body.startsWith('tag:')) {
    const tag = body.slice(4);
    base = models.filter((m) => m.config.tags.includes(tag));
    if (!base.length) {
      const tags = [...new Set(models.flatMap((m) => m.config.tags))].sort();
      throw new ModelError(`${flag} ${atom}: no model has tag '${tag}' (tags in use: ${tags.length ? tags.join(', ') : 'none'})`);
    }
  } else if (/^[\w*.-]+$/.test(body)) {
    const pattern = globToRegExp(body);
    base = models.filter((m) => pattern.test(m.name));
    if (!base.length) throw new ModelError(`${flag} ${atom}: no model is named ${body} (models: ${models.map((m) => m.name).sort().join(', ')})`);
  } else {
    throw new ModelError(`${flag} ${atom}: cannot read this selector. ${SELECTION_HELP}`);
  }
  const { parents, children } = graph(models);
  const depth = (text: string | undefined) => (text && text.replace('+', '') !== '' ? Number(text.replace('+', '')) : Infinity);
  const out = new Set(base.map((m) => m.name));
  for (const model of base) {
    if (up) for (const name of reach(model.name, parents, depth(up))) out.add(name);
    if (down) for (const name of reach(model.name, children, depth(down))) out.add(name);
  }
  return out;
}

/** The names a list of selectors matches (union of space-separated terms, each an intersection of comma-separated atoms). */
export function matchSelectors(models: Model[], selectors: string[], flag = '--select'): Set<string> {
  const out = new Set<string>();
  for (const term of selectors.flatMap((s) => s.split(/\s+/)).filter(Boolean)) {
    const sets = term.split(',').filter(Boolean).map((atom) => matchAtom(models, atom, flag));
    const [first, ...rest] = sets;
    for (const name of first ?? []) if (rest.every((s) => s.has(name))) out.add(name);
  }
  return out;
}

/**
 * The models to run, in dependency order: all when nothing is selected, minus the excluded.
 * Throws when the selection ends up empty, so a typo never silently does nothing.
 */
export function selectModels(models: Model[], options: { select?: string[]; exclude?: string[] } = {}): Model[] {
  const selected = options.select?.length ? matchSelectors(models, options.select, '--select') : new Set(models.map((m) => m.name));
  for (const m of models) if (selected.has(m.name)) for (const name of m.program?.memory ?? []) selected.add(name);
  const excluded = options.exclude?.length ? matchSelectors(models, options.exclude, '--exclude') : new Set<string>();
  const chosen = topologicalOrder(models).filter((m) => selected.has(m.name) && !excluded.has(m.name));
  if (!chosen.length) throw new ModelError(`The selection matches no model (--select ${options.select?.join(' ') ?? '(all)'} --exclude ${options.exclude?.join(' ') ?? ''})`);
  return chosen;
}
