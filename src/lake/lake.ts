import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from './local.js';
import { S3Store } from './s3.js';
import type { LakeStore } from './store.js';

const LOCK_KEY = '_lock.json';
/** A lock not refreshed for this long belongs to a process that died (on any machine). */
const LOCK_TTL_MS = 120_000;

/** Lake-relative data files of a feed: its curated rows and its rejected rows. */
export interface CommittedFiles {
  curated: string[];
  quarantine: string[];
}

interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  expiresAt: string;
}

/**
 * The lake: zones and commit protocol over a store (a local folder or an S3 prefix).
 *   raw/<feed>/<received-date>/<sha8>-<file>     originals exactly as delivered
 *   curated/<table>/dt=YYYY-MM-DD/<file>.parquet typed rows, partitioned by business date
 *   quarantine/<feed>/<file>.parquet             rejected rows with file, line, field, reason
 *   _manifests/<feed>/<delivery>.json            the commit log: which files are visible
 *   _runs/<timestamp>-<command>.json             reconciliations and run results
 *   warehouse/<model>/<build>.parquet + _catalog.json   materialized models
 *
 * Readers see only files listed in a committed manifest, and a manifest is replaced whole
 * (rename on disk, PUT on S3), so a crash mid-ingest never exposes half a delivery.
 */
export class Lake {
  readonly store: LakeStore;

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
   * Local folders holding the zones analysts may read (curated, quarantine, warehouse; not raw/,
   * which keeps originals with personal data): the only files a read-only session may open.
   */
  readableRoots(): string[] {
    const zones = ['curated', 'quarantine', 'warehouse'];
    const base = this.store instanceof S3Store ? path.join(this.store.cacheDir, 'objects') : (this.store as LocalStore).root;
    return zones.map((zone) => path.join(base, zone));
  }

  /** A fresh local scratch folder for one run; everything in it is invisible to readers. */
  async scratch(): Promise<string> {
    const dir = path.join(this.store.scratchRoot(), `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
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
    const manifests = await this.listManifests<{ files: CommittedFiles }>(feed);
    return { curated: manifests.flatMap((m) => m.files.curated), quarantine: manifests.flatMap((m) => m.files.quarantine) };
  }

  async listManifests<T>(feed: string): Promise<T[]> {
    const keys = (await this.store.list(`_manifests/${feed}/`)).filter((k) => k.endsWith('.json'));
    const manifests = await Promise.all(keys.map((key) => this.readJson<T>(key)));
    return manifests.filter((m): m is Awaited<T> => m !== undefined) as T[];
  }

  async readJson<T>(key: string): Promise<T | undefined> {
    const text = await this.store.readText(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Writes JSON so that readers see either the old or the new document, never a torn one. */
  async writeJsonAtomic(key: string, value: unknown): Promise<void> {
    await this.store.writeText(key, JSON.stringify(value, null, 2) + '\n');
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
    return this.store.remove(key);
  }

  /** A local path with the object's bytes (the file itself on disk, a cached copy from S3). */
  localFile(key: string): Promise<string> {
    return this.store.localFile(key);
  }

  /**
   * Takes the lake's writer lock: ingest and build rewrite manifests and garbage-collect
   * unreferenced files, so two writers at once could delete each other's in-flight files.
   * The holder refreshes the lock while it works; a lock whose holder died (a dead pid on this
   * machine, or no refresh within two minutes from anywhere) is taken over.
   */
  async lock(command: string, options: { waitMs?: number } = {}): Promise<() => Promise<void>> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    const holderText = () =>
      JSON.stringify({
        pid: process.pid,
        host: os.hostname(),
        command,
        since: new Date().toISOString(),
        expiresAt: new Date(Date.now() + LOCK_TTL_MS).toISOString(),
      } satisfies LockHolder);
    for (;;) {
      if (await this.store.createExclusive(LOCK_KEY, holderText())) break;
      const text = await this.store.readText(LOCK_KEY);
      const holder = text ? (JSON.parse(text) as LockHolder) : undefined;
      if (!holder || lockIsStale(holder)) {
        // Re-read before removing, so a lock another process just took over is left alone.
        if ((await this.store.readText(LOCK_KEY)) === text) await this.store.remove(LOCK_KEY);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `The lake ${this.uri} is locked by process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since}); wait for it to finish.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 500));
    }
    // A refresh still being written when the lock is released would recreate the lock file after
    // its removal (found after a demo: lake/_lock.json left behind, which on S3 blocks every other
    // host for two minutes). So release stops the timer, waits for a write in flight, then removes.
    let released = false;
    let inFlight: Promise<void> = Promise.resolve();
    const refresh = setInterval(() => {
      if (released) return;
      inFlight = this.store.writeText(LOCK_KEY, holderText()).catch(() => undefined);
    }, LOCK_TTL_MS / 4);
    refresh.unref();
    return async () => {
      released = true;
      clearInterval(refresh);
      await inFlight;
      await this.store.remove(LOCK_KEY).catch(() => undefined);
    };
  }
}

function lockIsStale(holder: LockHolder): boolean {
  if (holder.host === os.hostname() && !processAlive(holder.pid)) return true;
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

/** Lists files below each argument (a file or a folder), sorted, skipping hidden files. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => {
      throw new Error(`Input not found: ${input}`);
    });
    if (info.isDirectory()) {
      const entries = await readdir(input, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        if (entry.isFile() && !entry.name.startsWith('.')) files.push(path.join(entry.parentPath, entry.name));
      }
    } else {
      files.push(input);
    }
  }
  return [...new Set(files.map((f) => path.resolve(f)))].sort();
}
