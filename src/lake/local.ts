import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KeyVersion, LakeStore, VersionedText } from './store.js';

/**
 * Owner-only permissions for everything written into a local lake: raw/, curated/ and quarantine/
 * hold personal data, and a lake folder under a shared home or /srv must not be world-readable.
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** The lake as a folder on local disk. Replacements go through a temp file and a rename. */
export class LocalStore implements LakeStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get uri(): string {
    return this.root;
  }

  private file(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.file(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async writeText(key: string, text: string): Promise<string | undefined> {
    await writeFileAtomic(this.file(key), text);
    return localVersion(this.file(key));
  }

  async putFile(localFile: string, key: string, options: { move?: boolean } = {}): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
    if (options.move) {
      try {
        // Files DuckDB wrote to scratch carry the umask's mode (often 0644): tighten before they appear.
        await chmod(localFile, FILE_MODE);
        await rename(localFile, target);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      }
    }
    const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
    await copyFile(localFile, temp);
    await chmod(temp, FILE_MODE);
    await rename(temp, target);
    if (options.move) await rm(localFile, { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      () => true,
      () => false,
    );
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.file(prefix.replace(/\/$/, ''));
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .sort();
  }

  async listVersions(prefix: string): Promise<KeyVersion[]> {
    const keys = (await this.list(prefix)).filter((key) => !key.endsWith('.tmp'));
    const versions = await Promise.all(keys.map((key) => localVersion(this.file(key))));
    return keys.flatMap((key, i) => (versions[i] === undefined ? [] : [{ key, version: versions[i]! }]));
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true, recursive: true });
  }

  async localFile(key: string): Promise<string> {
    return this.file(key);
  }

  scratchRoot(): string {
    return this.file('_tmp');
  }

  /**
   * The content is written and synced to a private temp file first, then hard-linked under the
   * key: link() fails with EEXIST if the key exists, and when it succeeds the file is already
   * complete, so no reader ever sees the empty file an `open('wx')` + write would show.
   */
  async createExclusive(key: string, text: string): Promise<string | undefined> {
    const target = this.file(key);
    const temp = await writeTemp(target, text);
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return localVersion(target);
  }

  async readVersioned(key: string): Promise<VersionedText | undefined> {
    const file = this.file(key);
    try {
      // Version first, then the text: a replacement in between changes the version, so a
      // compare-and-swap with it fails rather than overwrite what we did not read.
      const info = await stat(file, { bigint: true });
      const text = await readFile(file, 'utf8');
      return { text, version: `${info.ino}:${info.mtimeNs}`, modifiedMs: Number(info.mtimeMs) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Compare-and-swap on a local file: checks the version (inode and modification time; every
   * replacement is a new inode) and renames a complete temp file over it. Not atomic against a
   * second writer of the same key, which the lock never has: only a lock's holder rewrites its
   * own generation file, and taking over creates a new generation with createExclusive.
   */
  async replaceIfVersion(key: string, text: string, version: string): Promise<string | undefined> {
    const target = this.file(key);
    if ((await localVersion(target)) !== version) return undefined;
    const temp = await writeTemp(target, text);
    await rename(temp, target);
    return localVersion(target);
  }
}

async function localVersion(file: string): Promise<string | undefined> {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  return info ? `${info.ino}:${info.mtimeNs}` : undefined;
}

/** Writes and syncs content to an owner-only temp file beside target; returns its path. */
async function writeTemp(target: string, content: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
  const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
  const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const handle = await open(temp, 'w', FILE_MODE);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}
