import { RETIRED_FILES_KEPT_MS, type Lake } from '../../lake/lake.js';
import type { CatalogEntry } from '../engine.js';

export const CATALOG_KEY = 'warehouse/_catalog.json';

/** The files a table model is stored in: its parts, or its one file. */
export function tableFiles(entry: CatalogEntry): string[] {
  return entry.parts ?? (entry.location ? [entry.location] : []);
}

interface StoredCatalog {
  version: 2;
  committedAt: string | null;
  entries: CatalogEntry[];
  /** Table files no longer in `entries`, kept for readers of the previous catalog until they expire. */
  retired: { location: string; retiredAt: string }[];
}

/** The first catalogs were a bare array of entries whose file was `path`. */
type LegacyEntry = Omit<CatalogEntry, 'location'> & { path?: string };

function parse(stored: StoredCatalog | LegacyEntry[] | undefined): StoredCatalog {
  if (!stored) return { version: 2, committedAt: null, entries: [], retired: [] };
  if (Array.isArray(stored)) {
    const entries = stored.map(({ path, ...rest }) => ({ ...rest, ...(path ? { location: path } : {}) }));
    return { version: 2, committedAt: null, entries, retired: [] };
  }
  return stored;
}

/**
 * The warehouse's table of contents, `warehouse/_catalog.json`: which file (or view SQL) is
 * each model. A build stages its changes and commits them with one atomic write, so a reader
 * sees the models of one build or of the next, never some of each (a build killed half way
 * leaves the previous warehouse whole; its files are collected by the next build).
 */
export class WarehouseCatalog {
  private staged: CatalogEntry[] | undefined;
  /** Table files the current build wrote (removed again if it aborts). */
  private written: string[] = [];

  private constructor(
    private readonly lake: Lake,
    private stored: StoredCatalog,
  ) {}

  static async load(lake: Lake): Promise<WarehouseCatalog> {
    return new WarehouseCatalog(lake, parse(await lake.readJson<StoredCatalog | LegacyEntry[]>(CATALOG_KEY)));
  }

  get inBuild(): boolean {
    return this.staged !== undefined;
  }

  entries(): readonly CatalogEntry[] {
    return this.staged ?? this.stored.entries;
  }

  find(name: string): CatalogEntry | undefined {
    return this.entries().find((e) => e.name === name);
  }

  begin(): void {
    if (this.staged) throw new Error('a build is already in progress on this engine');
    this.staged = [...this.stored.entries];
    this.written = [];
  }

  /** Records a model's new version; outside a build it is committed at once. */
  async put(entry: CatalogEntry): Promise<void> {
    const committed = new Set(this.stored.entries.flatMap(tableFiles));
    this.written.push(...tableFiles(entry).filter((file) => !committed.has(file)));
    if (!this.staged) {
      this.begin();
      this.staged = [...this.staged!.filter((e) => e.name !== entry.name), entry];
      await this.commit({ collectDebris: false });
      return;
    }
    this.staged = [...this.staged.filter((e) => e.name !== entry.name), entry];
  }

  /** Removes models no longer in the project (outside a build: committed at once). */
  async drop(keep: Set<string>): Promise<string[]> {
    const dropped = this.entries().filter((e) => !keep.has(e.name)).map((e) => e.name);
    if (dropped.length === 0) return [];
    const implicit = !this.staged;
    if (implicit) this.begin();
    this.staged = this.staged!.filter((e) => keep.has(e.name));
    if (implicit) await this.commit({ collectDebris: false });
    return dropped;
  }

  /**
   * Makes the build's models visible with one atomic write. Files of replaced models are
   * retired (deleted after RETIRED_FILES_KEPT_MS); with `collectDebris` (a build under the
   * writer lock), files no catalog names — left by a killed build — are deleted too.
   */
  async commit(options: { collectDebris: boolean }): Promise<void> {
    if (!this.staged) return;
    const now = new Date();
    const live = new Set(this.staged.flatMap(tableFiles));
    const replaced = this.stored.entries.flatMap(tableFiles).filter((file) => !live.has(file));
    const retired = [...this.stored.retired.filter((r) => !live.has(r.location)), ...replaced.map((location) => ({ location, retiredAt: now.toISOString() }))];
    const expired = retired.filter((r) => now.getTime() - Date.parse(r.retiredAt) >= RETIRED_FILES_KEPT_MS);
    const next: StoredCatalog = {
      version: 2,
      committedAt: now.toISOString(),
      entries: this.staged,
      retired: retired.filter((r) => !expired.includes(r)),
    };
    await this.lake.writeJsonAtomic(CATALOG_KEY, next);
    this.stored = next;
    this.staged = undefined;
    this.written = [];
    for (const r of expired) await this.lake.remove(r.location);
    if (options.collectDebris) {
      const known = new Set([...live, ...next.retired.map((r) => r.location), CATALOG_KEY]);
      for (const key of await this.lake.list('warehouse/')) if (!known.has(key)) await this.lake.remove(key);
    }
  }

  /** Forgets the build: its files are deleted, readers keep the last committed catalog. */
  async abort(): Promise<void> {
    if (!this.staged) return;
    const committed = new Set(this.stored.entries.flatMap(tableFiles));
    for (const location of this.written) if (!committed.has(location)) await this.lake.remove(location);
    this.staged = undefined;
    this.written = [];
  }
}
