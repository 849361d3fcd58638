import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from './local.js';
import { S3Store } from './s3.js';
import { type KeyVersion, type LakeStore, sameVersion } from './store.js';

/** The writer lock: one document per generation, `_lock/000000000007.json`; the highest is current. */
const LOCK_PREFIX = '_lock/';
const lockKey = (generation: number) => `${LOCK_PREFIX}${String(generation).padStart(12, '0')}.json`;
/**
 * A lock not refreshed for this long belongs to a process that died (on any machine); the
 * holder refreshes it every quarter of that. CRMLAKE_LOCK_TTL_MS shortens it for tests.
 */
const LOCK_TTL_MS = Number(process.env.CRMLAKE_LOCK_TTL_MS) || 120_000;

/**
 * Files a newer commit replaced (a re-delivery's old rows, a build's old mart) stay this long
 * before they are deleted: a reader that opened the previous state can still finish reading them.
 */
export const RETIRED_FILES_KEPT_MS = 60 * 60 * 1000;

/**
 * The lake's writer lock as its holder has it: call it to release. `assertHeld` is called just
 * before a commit point: a holder that was paused past the lock's TTL (a frozen VM, a stopped
 * laptop) and taken over must not commit over the new holder's work.
 */
export type LakeLock = (() => Promise<void>) & { assertHeld(): Promise<void> };

/** Lake-relative data files of a feed: its curated rows and its rejected rows. */
export interface CommittedFiles {
  curated: string[];
  quarantine: string[];
  /**
   * The columns of the curated files (a `schemaTag`) when every committed delivery declares the
   * same; undefined when they differ or one predates the declaration.
   */
  curatedSchema?: string;
}

/** A short tag of a column list (names and types, in order), as manifests declare their curated files'. */
export function schemaTag(columns: readonly { name: string; type: string }[]): string {
  return createHash('sha256').update(columns.map((c) => `${c.name} ${c.type}`).join('\n')).digest('hex').slice(0, 16);
}

interface LockHolder {
  pid: number;
  host: string;
  /** This boot of this machine: a pid is only checked where host and boot both match. */
  boot?: string;
  command: string;
  since: string;
  expiresAt: string;
  /** Set by the holder when it lets go; the next writer then takes the next generation. */
  releasedAt?: string;
}

/**
 * The lake: zones and commit protocol over a store (a local folder or an S3 prefix).
 *   raw/<feed>/<received-date>/<sha8>-<file>     originals exactly as delivered
 *   curated/<table>/dt=YYYY-MM-DD/<file>.parquet typed rows, partitioned by business date
 *   quarantine/<feed>/<file>.parquet             rejected rows with file, line, field, reason
 *   _manifests/<feed>/<delivery>.json            the commit log: which files are visible
 *   _manifests/<feed>.index.json                 every manifest of the feed in one document (a cache, see listManifests)
 *   _runs/<timestamp>-<command>.json             reconciliations and run results
 *   warehouse/<model>/<build>.parquet + _catalog.json   materialized models
 *   _lock/<generation>.json                      the writer lock (see lock())
 *   activation/<table>/dt=YYYY-MM-DD/<file>.parquet  audience export records (src/audiences/records.ts)
 *   _restricted/                                 secrets no analyst session may read
 *
 * Readers see only files listed in a committed manifest, and a manifest is replaced whole
 * (rename on disk, PUT on S3), so a crash mid-ingest never exposes half a delivery.
 */
export class Lake {
  readonly store: LakeStore;
  /** Per feed, the manifests this process wrote since its index was last written. */
  private readonly manifestWrites = new Map<string, Map<string, ManifestIndexEntry>>();
  /** Feeds whose index was found missing or behind the manifests (repaired at the next release). */
  private readonly staleIndexes = new Set<string>();
  /** Per feed, the manifests as last resolved (what the next index starts from). */
  private readonly indexes = new Map<string, ManifestIndexEntry[]>();

  constructor(location: string | LakeStore) {
    this.store = typeof location !== 'string' ? location : location.startsWith('s3://') ? new S3Store(location) : new LocalStore(location);
  }

  /** Where the lake is: a folder path or s3://bucket/prefix. */
  get uri(): string {
    return this.store.uri;
  }

  get isLocal(): boolean {
    return this.store instanceof LocalStore;
  }

  /**
   * Local folders holding the zones analysts may read (curated, quarantine, warehouse, activation;
   * not raw/, which keeps originals with personal data): the only files a read-only session may open.
   */
  readableRoots(): string[] {
    const zones = ['curated', 'quarantine', 'warehouse', 'activation'];
    return zones.map((zone) => path.join(this.readableBase(), zone));
  }

  /** The local folder a reader's files are under: the lake folder, or the S3 cache's copy of it. */
  readableBase(): string {
    return this.store instanceof S3Store ? path.join(this.store.cacheDir, 'objects') : (this.store as LocalStore).root;
  }

  /**
   * The lake's secret for pseudonyms of personal data (src/engine/duckdb/personal.ts), made on
   * first use. It lives under _restricted/, which no analyst session can read, so a pseudonym
   * cannot be reversed by hashing guesses.
   */
  async pseudonymSecret(): Promise<string> {
    const key = '_restricted/pseudonym-secret';
    const existing = await this.store.readText(key);
    if (existing) return existing.trim();
    await this.store.createExclusive(key, randomBytes(32).toString('hex'));
    return (await this.store.readText(key))!.trim();
  }

  /** A fresh local scratch folder for one run; everything in it is invisible to readers. */
  async scratch(): Promise<string> {
    const dir = path.join(this.store.scratchRoot(), `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Removes every scratch folder; only under the writer lock (they may be a crashed run's). */
  async clearScratch(): Promise<void> {
    await rm(this.store.scratchRoot(), { recursive: true, force: true });
  }

  /**
   * The data files readers may see for a feed: exactly those its committed delivery manifests
   * list (a crashed or in-progress ingest's files are in no manifest yet, so they stay invisible).
   */
  async committedFiles(feed: string): Promise<CommittedFiles> {
    const manifests = await this.listManifests<{ files: { curated: string[]; quarantine: string[] }; curatedSchema?: string }>(feed);
    const schemas = new Set(manifests.map((m) => m.curatedSchema));
    return {
      curated: manifests.flatMap((m) => m.files.curated),
      quarantine: manifests.flatMap((m) => m.files.quarantine),
      ...(schemas.size === 1 && [...schemas][0] !== undefined ? { curatedSchema: [...schemas][0] } : {}),
    };
  }

  /**
   * Every committed manifest of a feed, in key order, for the cost of one listing and one read.
   *
   * The manifests are the commit log; `_manifests/<feed>.index.json` holds a copy of each with
   * the version (inode and mtime on disk, ETag on S3) it was copied at. It is only a cache: the
   * listing of `_manifests/<feed>/` says which deliveries are committed and at which version, and
   * only an index entry whose key and version match the listing is used. A manifest missing from
   * the index (a crash after the manifest, before the index), replaced since (a re-delivery) or
   * an index missing or unreadable is read from the manifest itself; an entry whose manifest is
   * gone is dropped. So the index can never make visible a delivery that is not committed, and
   * a stale index costs only the reads of what changed. The index is rewritten (atomically,
   * under the writer lock) when the lock is released by a writer that committed a manifest or
   * found the index stale (see flushManifestIndexes).
   */
  async listManifests<T>(feed: string): Promise<T[]> {
    const listed = (await this.store.listVersions(`_manifests/${feed}/`)).filter((k) => k.key.endsWith('.json'));
    const index = listed.length ? await this.readManifestIndex(feed) : undefined;
    const { entries, stale } = await this.resolveManifests(listed, index, this.manifestWrites.get(feed) ?? new Map());
    this.indexes.set(feed, entries);
    if (stale) this.staleIndexes.add(feed);
    return entries.map((e) => e.manifest as T);
  }

  /** The manifests as the listing has them: index entries at the listed version, the rest read. */
  private async resolveManifests(
    listed: KeyVersion[],
    index: ManifestIndexEntry[] | undefined,
    written: Map<string, ManifestIndexEntry>,
  ): Promise<{ entries: ManifestIndexEntry[]; stale: boolean }> {
    const known = new Map<string, ManifestIndexEntry>((index ?? []).map((e) => [e.key, e]));
    for (const [key, entry] of written) known.set(key, entry);
    const entries: (ManifestIndexEntry | undefined)[] = listed.map((l) => {
      const entry = known.get(l.key);
      return entry && sameVersion(entry.version, l.version) ? entry : undefined;
    });
    const missing = listed.flatMap((l, i) => (entries[i] ? [] : [i]));
    for (let i = 0; i < missing.length; i += 32) {
      await Promise.all(
        missing.slice(i, i + 32).map(async (at) => {
          const document = await this.store.readVersioned(listed[at]!.key);
          if (document) entries[at] = { key: listed[at]!.key, version: document.version, manifest: JSON.parse(document.text) };
        }),
      );
    }
    const found = entries.filter((e): e is ManifestIndexEntry => e !== undefined);
    // Stale: it lacks or has an old copy of a manifest, or lists one that is gone (no index at
    // all is stale only when the feed has manifests: a feed never landed needs none).
    const stale = missing.length > 0 || (index ? found.length !== index.length : listed.length > 0);
    return { entries: found, stale };
  }

  private async readManifestIndex(feed: string): Promise<ManifestIndexEntry[] | undefined> {
    try {
      const index = await this.readJson<ManifestIndex>(manifestIndexKey(feed));
      return index?.format === 1 && index.feed === feed && Array.isArray(index.entries) ? index.entries : undefined;
    } catch {
      return undefined; // unreadable: rebuilt from the manifests
    }
  }

  /**
   * Rewrites the manifest index of every feed this process committed a manifest to, removed one
   * from, or found with a stale index: from one listing, the manifests it wrote (at the version
   * the write returned), the old index's entries still at their listed version, and a read of
   * the rest. Called by a writer before it releases the lock; an index it cannot write is only a
   * slower open for the next reader, never a wrong one.
   */
  async flushManifestIndexes(): Promise<void> {
    const feeds = new Set([...this.manifestWrites.keys(), ...this.staleIndexes]);
    for (const feed of feeds) {
      try {
        const listed = (await this.store.listVersions(`_manifests/${feed}/`)).filter((k) => k.key.endsWith('.json'));
        const previous = this.indexes.get(feed) ?? (await this.readManifestIndex(feed));
        const { entries } = await this.resolveManifests(listed, previous, this.manifestWrites.get(feed) ?? new Map());
        const index: ManifestIndex = { format: 1, feed, writtenAt: new Date().toISOString(), entries };
        await this.store.writeText(manifestIndexKey(feed), JSON.stringify(index));
        this.indexes.set(feed, entries);
        this.manifestWrites.delete(feed);
        this.staleIndexes.delete(feed);
      } catch {
        // the index stays as it was: readers check it against the listing and read what it lacks
      }
    }
  }

  async readJson<T>(key: string): Promise<T | undefined> {
    const text = await this.store.readText(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Writes JSON so that readers see either the old or the new document, never a torn one. */
  async writeJsonAtomic(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2) + '\n';
    const version = await this.store.writeText(key, text);
    const feed = manifestFeed(key);
    if (feed !== undefined) {
      // A committed manifest: the feed's index is rewritten when the lock is released.
      const written = this.manifestWrites.get(feed) ?? new Map<string, ManifestIndexEntry>();
      written.set(key, { key, version: version ?? '', manifest: JSON.parse(text) });
      if (version === undefined) this.staleIndexes.add(feed);
      this.manifestWrites.set(feed, written);
    }
  }

  putFile(localFile: string, key: string, options?: { move?: boolean }): Promise<void> {
    return this.store.putFile(localFile, key, options);
  }

  exists(key: string): Promise<boolean> {
    return this.store.exists(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.store.list(prefix);
  }

  remove(key: string): Promise<void> {
    const feed = manifestFeed(key);
    if (feed !== undefined) {
      this.manifestWrites.get(feed)?.delete(key);
      this.staleIndexes.add(feed);
    }
    return this.store.remove(key);
  }

  /** A local path with the object's bytes (the file itself on disk, a cached copy from S3). */
  localFile(key: string): Promise<string> {
    return this.store.localFile(key);
  }

  /**
   * Takes the lake's writer lock: ingest and build rewrite manifests and garbage-collect
   * unreferenced files, so two writers at once could delete each other's in-flight files.
   *
   * The lock is a sequence of generations, `_lock/<n>.json`, the highest being current. To take
   * the lock a writer creates generation n+1 exclusively (link() on disk, a PUT with
   * If-None-Match: * on S3), which only one writer can do; it may do so only when generation n
   * is released or stale. So taking over a dead holder's lock is the same single atomic step
   * as taking a free one (a compare-and-swap on the generation number), and a crash at any
   * point leaves either the old generation or the new one, never a lock nobody can take.
   * A document is created complete, so an empty or half-written lock is never seen; one that
   * cannot be read is treated as held until it is TTL old. Only the holder rewrites its own
   * generation (refreshes and the release, with If-Match on S3), never after its release.
   */
  async lock(command: string, options: { waitMs?: number } = {}): Promise<LakeLock> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    const holder = (released = false): string =>
      JSON.stringify({
        pid: process.pid,
        host: os.hostname(),
        boot: BOOT_ID,
        command,
        since,
        expiresAt: new Date(Date.now() + LOCK_TTL_MS).toISOString(),
        ...(released ? { releasedAt: new Date().toISOString() } : {}),
      } satisfies LockHolder);
    const since = new Date().toISOString();
    let pause = 10;
    let generation: number;
    let version: string;
    for (;;) {
      const current = await this.currentLock();
      if (!current || lockIsFree(current)) {
        const next = (current?.generation ?? 0) + 1;
        const created = await this.store.createExclusive(lockKey(next), holder());
        if (created) {
          // Old generations are deleted (below), so a writer that looked long ago may have
          // re-created one: it holds the lock only if no higher generation exists.
          const newest = Math.max(...(await this.store.list(LOCK_PREFIX)).map((k) => lockGeneration(k) ?? 0));
          if (newest === next) {
            generation = next;
            version = created;
            break;
          }
          await this.store.replaceIfVersion(lockKey(next), holder(true), created).catch(() => undefined);
        }
        continue; // another writer took generation `next` first: look again
      }
      if (Date.now() >= deadline) {
        const h = current.holder;
        throw new Error(
          h
            ? `The lake ${this.uri} is locked by process ${h.pid} on ${h.host} (${h.command}, since ${h.since}); wait for it to finish.`
            : `The lake ${this.uri} is locked (${lockKey(current.generation)} cannot be read; it is treated as held until it is ${LOCK_TTL_MS / 1000} s old).`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now())) * (0.5 + Math.random())));
      pause = Math.min(pause * 2, 1000);
    }
    // Generations before the one we replaced are history nobody reads: keep the lock folder small.
    for (const key of await this.store.list(LOCK_PREFIX)) {
      const n = lockGeneration(key);
      if (n !== undefined && n < generation - 1) await this.store.remove(key).catch(() => undefined);
    }
    const key = lockKey(generation);
    let released = false;
    // Refreshes and the release run one after the other, so a refresh in flight can never land
    // after the release and make a released lock look held again.
    let pending: Promise<void> = Promise.resolve();
    const refresh = setInterval(() => {
      pending = pending.then(async () => {
        if (released) return;
        const next = await this.store.replaceIfVersion(key, holder(), version).catch(() => undefined);
        if (next) version = next;
      });
    }, LOCK_TTL_MS / 4);
    refresh.unref();
    const release = async () => {
      if (released) return;
      released = true;
      clearInterval(refresh);
      await pending;
      // Still under the lock: the manifest indexes catch up with what this writer committed.
      await this.flushManifestIndexes();
      // Only our own generation, and only if it is still as we last wrote it.
      await this.store.replaceIfVersion(key, holder(true), version).catch(() => undefined);
    };
    const assertHeld = async () => {
      const current = await this.currentLock();
      if (released || current?.generation !== generation) {
        const h = current?.holder;
        throw new Error(
          `The lake's writer lock was taken over while this ${command} was paused (it is now held by ${h ? `process ${h.pid} on ${h.host}, ${h.command}` : 'another writer'}); nothing of it was committed: run it again.`,
        );
      }
    };
    return Object.assign(release, { assertHeld });
  }

  /** The current (highest) lock generation and its holder; undefined when the lake was never locked. */
  private async currentLock(): Promise<CurrentLock | undefined> {
    for (;;) {
      const generations = (await this.store.list(LOCK_PREFIX)).map(lockGeneration).filter((n): n is number => n !== undefined);
      if (generations.length === 0) return undefined;
      const generation = Math.max(...generations);
      const document = await this.store.readVersioned(lockKey(generation));
      if (!document) continue; // cleaned up between list and read: a newer generation exists
      let holder: LockHolder | undefined;
      try {
        const parsed = JSON.parse(document.text) as LockHolder;
        if (parsed && typeof parsed.pid === 'number' && typeof parsed.expiresAt === 'string') holder = parsed;
      } catch {
        holder = undefined;
      }
      return { generation, holder, modifiedMs: document.modifiedMs };
    }
  }
}

interface CurrentLock {
  generation: number;
  /** undefined when the document cannot be parsed (never the case for a lock this code wrote). */
  holder: LockHolder | undefined;
  modifiedMs: number;
}

const BOOT_ID = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
})();

interface ManifestIndexEntry {
  key: string;
  version: string;
  manifest: unknown;
}

interface ManifestIndex {
  format: 1;
  feed: string;
  writtenAt: string;
  entries: ManifestIndexEntry[];
}

export const manifestIndexKey = (feed: string) => `_manifests/${feed}.index.json`;

/** The feed of a delivery manifest's key (`_manifests/<feed>/<delivery>.json`), else undefined. */
function manifestFeed(key: string): string | undefined {
  return /^_manifests\/([^/]+)\/.+\.json$/.exec(key)?.[1];
}

function lockGeneration(key: string): number | undefined {
  const match = /^_lock\/(\d{12})\.json$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

function lockIsFree(current: CurrentLock): boolean {
  const { holder } = current;
  if (!holder) return Date.now() - current.modifiedMs > LOCK_TTL_MS;
  if (holder.releasedAt) return true;
  return lockIsStale(holder);
}

function lockIsStale(holder: LockHolder): boolean {
  // Lambda sandboxes share host names and pids, so a pid says nothing there: only the TTL does.
  const sameMachine = holder.host === os.hostname() && holder.boot === BOOT_ID && !process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (sameMachine && !processAlive(holder.pid)) return true;
  return Date.parse(holder.expiresAt) < Date.now();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file to ingest: its path, and its name within the folder it was found in (the delivery's name). */
export interface InputFile {
  path: string;
  /** Relative to the folder given (forward slashes), or the file name for a file given by itself. */
  name: string;
}

/** Something an ingest left out, and why (printed and kept in the run record). */
export interface SkippedInput {
  path: string;
  reason: string;
}

/**
 * Lists the files below each argument (a file or a folder, read recursively), sorted. Hidden
 * files, symbolic links (never followed: a link in a drop folder could point anywhere, e.g.
 * /etc/passwd) and anything that is not a regular file are left out, each with the reason.
 */
export async function listInputs(inputs: string[]): Promise<{ files: InputFile[]; skipped: SkippedInput[] }> {
  const files = new Map<string, InputFile>();
  const skipped: SkippedInput[] = [];
  const consider = async (file: string, name: string) => {
    const info = await lstat(file);
    const base = path.basename(file);
    if (info.isSymbolicLink()) {
      const target = await readlink(file).catch(() => '?');
      skipped.push({ path: file, reason: `symbolic link to ${target}: links are not followed; give the file itself` });
    } else if (!info.isFile()) {
      skipped.push({ path: file, reason: 'not a regular file' });
    } else if (base.startsWith('.')) {
      skipped.push({ path: file, reason: `hidden file (the name starts with '.'); rename it to ingest it` });
    } else if (!files.has(path.resolve(file))) {
      files.set(path.resolve(file), { path: path.resolve(file), name });
    }
  };
  for (const input of inputs) {
    const info = await lstat(input).catch(() => {
      throw new Error(`Input not found: ${input}`);
    });
    if (info.isDirectory()) {
      const entries = await readdir(input, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        if (entry.isDirectory()) continue;
        const full = path.join(entry.parentPath, entry.name);
        await consider(full, path.relative(input, full).split(path.sep).join('/'));
      }
    } else {
      await consider(input, path.basename(input));
    }
  }
  return { files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), skipped };
}

/** The paths listInputs finds (what it skips is left out silently: use listInputs to report it). */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  return (await listInputs(inputs)).files.map((f) => f.path);
}
