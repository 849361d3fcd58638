import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LakeStore } from './store.js';

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

  async writeText(key: string, text: string): Promise<void> {
    await writeFileAtomic(this.file(key), text);
  }

  async putFile(localFile: string, key: string, options: { move?: boolean } = {}): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    if (options.move) {
      try {
        await rename(localFile, target);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      }
    }
    const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
    await copyFile(localFile, temp);
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

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true, recursive: true });
  }

  async localFile(key: string): Promise<string> {
    return this.file(key);
  }

  scratchRoot(): string {
    return this.file('_tmp');
  }

  async createExclusive(key: string, text: string): Promise<boolean> {
    await mkdir(path.dirname(this.file(key)), { recursive: true });
    try {
      const handle = await open(this.file(key), 'wx');
      await handle.writeFile(text);
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
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
