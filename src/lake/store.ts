/**
 * Where the lake's objects live. Keys are lake-relative with forward slashes
 * (`curated/pos_lines/dt=2010-12-01/x.parquet`). Two implementations: a folder on disk
 * (`LocalStore`) and an S3 bucket prefix (`S3Store`). Everything above this speaks keys only.
 *
 * Data files are write-once (their names carry a content hash or a build id), so a reader
 * may cache them by key; manifests and the catalog are small documents replaced whole.
 */
export interface LakeStore {
  /** The lake's location as the user wrote it: a folder path or `s3://bucket/prefix`. */
  readonly uri: string;
  /** Reads a small text document; undefined when it does not exist. */
  readText(key: string): Promise<string | undefined>;
  /**
   * Replaces a document so that readers see the old or the new version, never a torn one:
   * the version written (as `listVersions` reports it), when the store can tell.
   */
  writeText(key: string, text: string): Promise<string | undefined>;
  /** Stores a local file under key; `move` lets the store take the file instead of copying it. */
  putFile(localFile: string, key: string, options?: { move?: boolean }): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every key below a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Every key below a prefix with its version (an ETag on S3, inode and mtime on disk), sorted:
   * one listing, no object read. A replaced document always shows a new version.
   */
  listVersions(prefix: string): Promise<KeyVersion[]>;
  remove(key: string): Promise<void>;
  /** A local file with the object's bytes, for readers that need a path (DuckDB). */
  localFile(key: string): Promise<string>;
  /** Local folder for one run's scratch files; invisible to readers. */
  scratchRoot(): string;
  /**
   * Creates the document, complete, only if no document exists under key (the lock primitive):
   * its version, or undefined when one already exists. A reader never sees it empty or partial.
   */
  createExclusive(key: string, text: string): Promise<string | undefined>;
  /** A small document with its version (an ETag on S3) and when it was last written. */
  readVersioned(key: string): Promise<VersionedText | undefined>;
  /**
   * Replaces the document only if it is still at `version` (compare-and-swap; on S3 a PUT with
   * If-Match): the new version, or undefined when it changed or is gone. Never re-creates it.
   */
  replaceIfVersion(key: string, text: string, version: string): Promise<string | undefined>;
}

export interface KeyVersion {
  key: string;
  version: string;
}

/** Two versions of one object are the same (S3 quotes ETags in some answers and not in others). */
export const sameVersion = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.replace(/"/g, '') === b.replace(/"/g, '');

export interface VersionedText {
  text: string;
  version: string;
  modifiedMs: number;
}

export const joinKey = (...parts: string[]) => parts.filter(Boolean).join('/').replace(/\/{2,}/g, '/');
