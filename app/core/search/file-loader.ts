import { closeSync, readSync, statSync, type Stats } from "node:fs";
import { LRUCache } from "lru-cache";
import { openVisibleFile } from "./open-visible.js";
import type { FileBytes } from "./scan-region.js";

/** Same rule as reads: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
/** A window that resumes inside a big file reaches back this far, for context lines. */
const LOOK_BACK_BYTES = 64 * 1024;
/**
 * File-system timestamps tick coarsely: a file changed within this window of being cached could
 * change again with equal stats, so such an entry is never trusted ("racy git").
 */
const RACY_WINDOW_MS = 50;

interface Cached {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** undefined: a binary file. */
  bytes: Buffer | undefined;
}

export interface LoaderOptions {
  rootReal: string;
  isHiddenReal: (realRel: string) => boolean;
  cacheMaxBytes: number;
}

/**
 * File bytes for one scan worker, with an LRU cache of whole text files. A cached file is reused
 * only while a stat of its listed path shows the same inode, size, mtime and ctime, and it was
 * cached clearly after its last change: a file swapped for a symlink is a different inode and goes
 * back through the verified open. (Number stats, not bigint: this runs once per file per search.)
 */
export class FileLoader {
  private readonly cache: LRUCache<string, Cached> | undefined;

  constructor(private readonly options: LoaderOptions) {
    this.cache =
      options.cacheMaxBytes > 0
        ? new LRUCache<string, Cached>({
            maxSize: options.cacheMaxBytes,
            sizeCalculation: (c) => Math.max(64, c.bytes?.length ?? 0),
          })
        : undefined;
  }

  /**
   * The file's bytes from `from` (at most `maxBytes` of them, plus a look-back for context), or
   * undefined when the file is binary, gone, or refused by the checks.
   */
  load(rel: string, from: number, maxBytes: number): FileBytes | undefined {
    const cached = this.cache?.get(rel);
    if (cached) {
      const stats = statSync(`${this.options.rootReal}/${rel}`, { throwIfNoEntry: false });
      if (stats && sameFile(cached, stats))
        return cached.bytes && from <= cached.bytes.length
          ? { buf: cached.bytes, base: 0, eof: true }
          : undefined;
    }
    const capturedAt = Date.now();
    const file = openVisibleFile(this.options.rootReal, rel, this.options.isHiddenReal);
    if (!file) return undefined;
    try {
      const size = file.stats.size;
      if (from >= size && from > 0) return undefined;
      if (size <= maxBytes) {
        const bytes = readAll(file.fd, 0, size);
        const binary = bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
        this.remember(rel, file.stats, capturedAt, binary ? undefined : bytes);
        return binary ? undefined : { buf: bytes, base: 0, eof: true };
      }
      if (readAll(file.fd, 0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
      const base = Math.max(0, from - LOOK_BACK_BYTES);
      const end = Math.min(size, from + maxBytes);
      return { buf: readAll(file.fd, base, end - base), base, eof: end >= size };
    } finally {
      closeSync(file.fd);
    }
  }

  private remember(rel: string, stats: Stats, capturedAt: number, bytes: Buffer | undefined) {
    if (!this.cache || (bytes && bytes.length > this.cache.maxSize / 4)) return;
    if (Math.max(stats.mtimeMs, stats.ctimeMs) >= capturedAt - RACY_WINDOW_MS) return;
    const { ino, size, mtimeMs, ctimeMs } = stats;
    this.cache.set(rel, { ino, size, mtimeMs, ctimeMs, bytes });
  }
}

function sameFile(cached: Cached, stats: Stats): boolean {
  return (
    cached.ino === stats.ino &&
    cached.size === stats.size &&
    cached.mtimeMs === stats.mtimeMs &&
    cached.ctimeMs === stats.ctimeMs
  );
}

function readAll(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
