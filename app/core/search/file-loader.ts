import { closeSync, readSync, statSync } from "node:fs";
import { ContentCache, type Signature } from "./content-cache.js";
import type { NoFollowOpener, OpenedFile } from "./no-follow-opener.js";
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

export interface LoaderOptions {
  rootReal: string;
  isHiddenReal: (realRel: string) => boolean;
  cacheMaxBytes: number;
}

/**
 * File bytes for one scan worker, with a cache of whole text files. A cached file is reused only
 * while a stat of its listed path shows the same inode, size, mtime and ctime, and it was cached
 * clearly after its last change: a file swapped for a symlink is a different inode and goes back
 * through the verified open. (Number stats, not bigint: this runs once per file per search.)
 * The bytes returned are valid until the next `load`: an uncached file is read into reused space.
 */
export class FileLoader {
  private readonly cache: ContentCache;

  constructor(private readonly options: LoaderOptions) {
    this.cache = new ContentCache(options.cacheMaxBytes);
  }

  /**
   * The file's bytes from `from` (at most `maxBytes` of them, plus a look-back for context), or
   * undefined when the file is binary, gone, or refused by the checks. With `cacheOnly`, a file too
   * large to cache whole is not read at all.
   */
  load(
    rel: string,
    from: number,
    maxBytes: number,
    opener?: NoFollowOpener,
    cacheOnly = false,
  ): FileBytes | undefined {
    const cached = this.cache.get(rel);
    if (cached) {
      const stats =
        opener?.stat(rel) ?? statSync(`${this.options.rootReal}/${rel}`, { throwIfNoEntry: false });
      if (stats && sameFile(cached, stats))
        return cached.bytes && from <= cached.bytes.length
          ? { buf: cached.bytes, base: 0, eof: true }
          : undefined;
      this.cache.delete(rel);
    }
    const capturedAt = Date.now();
    const direct = opener?.open(rel);
    const file = direct ?? this.openChecked(rel);
    if (!file) return undefined;
    const readAt = direct ? opener!.read : nodeRead;
    try {
      const size = file.size;
      if (from >= size && from > 0) return undefined;
      if (cacheOnly && size > maxBytes) return undefined;
      if (size <= maxBytes) {
        const room = this.cache.room(size);
        const bytes = readInto(readAt, file.fd, room.buf, 0);
        const binary = (
          bytes.length <= BINARY_SNIFF_BYTES ? bytes : bytes.subarray(0, BINARY_SNIFF_BYTES)
        ).includes(0);
        // A file changed within the racy window could change again with equal stats: not kept.
        if (Math.max(file.mtimeMs, file.ctimeMs) < capturedAt - RACY_WINDOW_MS)
          this.cache.keep(rel, file, room, binary ? undefined : bytes);
        return binary ? undefined : { buf: bytes, base: 0, eof: true };
      }
      if (readAll(readAt, file.fd, 0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
      const base = Math.max(0, from - LOOK_BACK_BYTES);
      const end = Math.min(size, from + maxBytes);
      return { buf: readAll(readAt, file.fd, base, end - base), base, eof: end >= size };
    } finally {
      // Each side closes its own descriptors (Node warns about closing one it did not open).
      if (direct) opener!.closeFile(file.fd);
      else closeSync(file.fd);
    }
  }

  /**
   * The path for files the no-follow opener cannot take (a listed symlink inside the root, or a
   * platform without it): opened by path, then the descriptor itself is checked.
   */
  private openChecked(rel: string): OpenedFile | undefined {
    const file = openVisibleFile(this.options.rootReal, rel, this.options.isHiddenReal);
    if (!file) return undefined;
    const { ino, size, mtimeMs, ctimeMs } = file.stats;
    return { fd: file.fd, ino, size, mtimeMs, ctimeMs };
  }

  /**
   * Reads a file into the cache ahead of a search (nothing when it is cached already or too large
   * to cache); false once the cache has no room left, so filling on would only waste reads.
   */
  prefetch(rel: string, maxBytes: number, opener?: NoFollowOpener): boolean {
    if (this.cache.full) return false;
    if (!this.cache.get(rel)) this.load(rel, 0, maxBytes, opener, true);
    return !this.cache.full;
  }

  /** Forgets the files that left this worker's share of the listing. */
  retainOnly(paths: readonly string[]): void {
    this.cache.retainOnly(paths);
  }
}

function sameFile(cached: Signature, stats: Signature): boolean {
  return (
    cached.ino === stats.ino &&
    cached.size === stats.size &&
    cached.mtimeMs === stats.mtimeMs &&
    cached.ctimeMs === stats.ctimeMs
  );
}

/** Reads into all of `into` from file offset `position`, at most once; returns the bytes read. */
type ReadAt = (fd: number, into: Buffer, position: number) => number;

const nodeRead: ReadAt = (fd, into, position) => readSync(fd, into, 0, into.length, position);

function readAll(readAt: ReadAt, fd: number, position: number, length: number): Buffer {
  return readInto(readAt, fd, Buffer.allocUnsafe(length), position);
}

/** Fills `buffer` from file offset `position`; returns the part read (short if the file shrank). */
function readInto(readAt: ReadAt, fd: number, buffer: Buffer, position: number): Buffer {
  const length = buffer.length;
  let read = 0;
  while (read < length) {
    const n = readAt(fd, read === 0 ? buffer : buffer.subarray(read), position + read);
    if (n === 0) break;
    read += n;
  }
  return read === length ? buffer : buffer.subarray(0, read);
}
