import { closeSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import { nowNs, signatureOf, stillValid, type Signature } from "../project/file-signature.js";
import { openVisibleFile } from "./open-visible.js";
import type { FileBytes } from "./scan-region.js";

/** Same rule as reads: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
/** A window that resumes inside a big file reaches back this far, for context lines. */
const LOOK_BACK_BYTES = 64 * 1024;

interface Cached {
  signature: Signature;
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
 * only while a stat of its listed path shows the same inode, size, mtime and ctime (and it was
 * settled when cached): a file swapped for a symlink is a different inode and goes back through
 * the verified open.
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
      const stats = statSync(join(this.options.rootReal, rel), { bigint: true, throwIfNoEntry: false });
      if (stats && stillValid(cached.signature, signatureOf(stats, nowNs())))
        return cached.bytes && from <= cached.bytes.length
          ? { buf: cached.bytes, base: 0, eof: true }
          : undefined;
    }
    const capturedAt = nowNs();
    const file = openVisibleFile(this.options.rootReal, rel, this.options.isHiddenReal);
    if (!file) return undefined;
    try {
      const size = Number(file.stats.size);
      if (from >= size && from > 0) return undefined;
      if (readAll(file.fd, 0, Math.min(size, BINARY_SNIFF_BYTES)).includes(0)) {
        this.remember(rel, file.stats, capturedAt, undefined);
        return undefined;
      }
      if (size <= maxBytes) {
        const bytes = readAll(file.fd, 0, size);
        this.remember(rel, file.stats, capturedAt, bytes);
        return { buf: bytes, base: 0, eof: true };
      }
      const base = Math.max(0, from - LOOK_BACK_BYTES);
      const end = Math.min(size, from + maxBytes);
      return { buf: readAll(file.fd, base, end - base), base, eof: end >= size };
    } finally {
      closeSync(file.fd);
    }
  }

  private remember(
    rel: string,
    stats: Parameters<typeof signatureOf>[0],
    capturedAt: bigint,
    bytes: Buffer | undefined,
  ) {
    if (!this.cache || (bytes && bytes.length > this.cache.maxSize / 4)) return;
    this.cache.set(rel, { signature: signatureOf(stats, capturedAt), bytes });
  }
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
