import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, open, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The lake on local disk. Zones (see DESIGN.md):
 *   raw/<feed>/<received-date>/<sha8>-<file>    originals exactly as delivered
 *   curated/<table>/dt=YYYY-MM-DD/<file>.parquet typed rows, partitioned by business date
 *   quarantine/<feed>/<file>.parquet              rejected rows with file, line, field, reason
 *   _manifests/<feed>/<delivery>.json             the commit log: which files are visible
 *   _runs/<timestamp>-<command>.json              reconciliations and run results
 *   warehouse/<model>.parquet + _catalog.json     materialized models
 *
 * Readers see only files listed in a committed manifest, and a manifest is replaced by an
 * atomic rename, so a crash mid-ingest never exposes half a delivery.
 */
export class Lake {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Lake-relative path with forward slashes, as stored in manifests. */
  relative(absolute: string): string {
    return path.relative(this.root, absolute).split(path.sep).join('/');
  }

  async ensure(): Promise<void> {
    for (const zone of ['raw', 'curated', 'quarantine', '_manifests', '_runs', 'warehouse', '_tmp']) {
      await mkdir(this.path(zone), { recursive: true });
    }
  }

  /** A fresh scratch folder for one run; everything in it is invisible to readers. */
  async scratch(): Promise<string> {
    const dir = this.path('_tmp', `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async listManifests<T>(feed: string): Promise<T[]> {
    const dir = this.path('_manifests', feed);
    const names = await readdir(dir).catch(() => [] as string[]);
    const manifests: T[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      manifests.push(JSON.parse(await readFile(path.join(dir, name), 'utf8')) as T);
    }
    return manifests;
  }

  async readJson<T>(relativePath: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path(relativePath), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Writes JSON so that readers see either the old or the new document, never a torn one. */
  async writeJsonAtomic(relativePath: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.path(relativePath), JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * Takes the lake's writer lock: ingest and build rewrite manifests and garbage-collect
   * unreferenced files, so two writers at once could delete each other's in-flight files.
   * A lock left by a dead process is taken over.
   */
  async lock(command: string): Promise<() => Promise<void>> {
    await this.ensure();
    const lockPath = this.path('.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }));
        await handle.close();
        return async () => {
          await unlink(lockPath).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = JSON.parse(await readFile(lockPath, 'utf8').catch(() => '{}')) as { pid?: number; command?: string };
        if (holder.pid && processAlive(holder.pid)) {
          throw new Error(
            `The lake ${this.root} is locked by process ${holder.pid} (${holder.command ?? 'unknown command'}); wait for it to finish.`,
          );
        }
        await unlink(lockPath).catch(() => undefined);
      }
    }
    throw new Error(`Could not take the lock on ${this.root}`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
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

export async function removeQuietly(file: string): Promise<void> {
  await rm(file, { force: true, recursive: true });
}
