import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';

/**
 * A file written in chunks: rows are appended to a string buffer and written out (encoded) every
 * 256 KB, so a generator of ten million lines keeps a few megabytes, not the files, in memory.
 * iconv-lite encodes GBK, which Node's TextEncoder (UTF-8 only) cannot.
 */
export class FileSink {
  private buffer = '';
  private fd: number;
  rows = 0;

  constructor(
    readonly file: string,
    private readonly encoding: 'utf-8' | 'gbk' = 'utf-8',
    header?: string,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'w');
    if (header) this.buffer = `${header}\n`; // JSON lines have no header
  }

  line(text: string): void {
    this.buffer += `${text}\n`;
    this.rows++;
    if (this.buffer.length > 262_144) this.flush();
  }

  private flush(): void {
    if (!this.buffer) return;
    writeSync(this.fd, this.encoding === 'gbk' ? iconv.encode(this.buffer, 'gbk') : Buffer.from(this.buffer, 'utf8'));
    this.buffer = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** One CSV field: quoted when it holds the delimiter, a quote or a line break. */
export function csvField(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return text.includes(delimiter) || text.includes('"') || text.includes('\n') ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: (string | number | null | undefined)[], delimiter = ','): string {
  return values.map((v) => csvField(v, delimiter)).join(delimiter);
}

/** A set of files keyed by name (one per month and layout), opened on first use. */
export class SinkSet {
  private sinks = new Map<string, FileSink>();
  private touched: Set<string> | null = null;

  constructor(private readonly root: string) {}

  /** From now on, remember which files `get` hands out (`touchedFiles`). */
  track(): void {
    this.touched = new Set();
  }

  /** Relative paths of the files handed out since `track`, sorted. */
  touchedFiles(): string[] {
    return [...(this.touched ?? [])].sort();
  }

  /** Whether the file was opened already (a generator writes a file's first rows once). */
  has(relative: string): boolean {
    return this.sinks.has(relative);
  }

  get(relative: string, header: string, encoding: 'utf-8' | 'gbk' = 'utf-8'): FileSink {
    this.touched?.add(relative);
    let sink = this.sinks.get(relative);
    if (!sink) {
      sink = new FileSink(path.join(this.root, relative), encoding, header);
      this.sinks.set(relative, sink);
    }
    return sink;
  }

  closeAll(): void {
    for (const sink of this.sinks.values()) sink.close();
  }

  /** Rows written per file, relative paths sorted. */
  files(): { file: string; rows: number }[] {
    return [...this.sinks.entries()].map(([file, s]) => ({ file, rows: s.rows })).sort((a, b) => a.file.localeCompare(b.file));
  }
}
