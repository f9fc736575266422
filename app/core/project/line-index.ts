import { read } from "node:fs";
import { promisify } from "node:util";
import { LRUCache } from "lru-cache";
import type { ConfinedFile } from "./confined-open.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";

const readAt = promisify(read);

/**
 * Where every line of a file starts, so any line range is one positioned read away however large
 * the file. Lines end at "\n" (a "\r" before it stays part of the line); a last line without
 * "\n" counts; an empty file has no lines.
 */
export interface LineIndex {
  size: number;
  totalLines: number;
  /** starts[i] is the byte offset of line i + 1. */
  starts: Uint32Array | Float64Array;
}

/** Byte offset just past line `line` (1-based), its "\n" included. */
export function lineEnd(index: LineIndex, line: number): number {
  return line < index.totalLines ? (index.starts[line] as number) : index.size;
}

/** Byte offset where line `line` (1-based) starts. */
export function lineStart(index: LineIndex, line: number): number {
  return index.starts[line - 1] as number;
}

/** The last line that ends at or before byte offset `offset` (0 when none does). */
export function lastLineEndingBy(index: LineIndex, offset: number): number {
  // Lines 1..k end by `offset` iff lineEnd(k) <= offset; lineEnd grows with k: binary search.
  let low = 0;
  let high = index.totalLines;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (lineEnd(index, mid) <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Collects line starts in a growing array; narrows to 32 bits when the file allows. */
class StartsBuilder {
  private starts = new Float64Array(1024);
  length = 0;

  push(offset: number): void {
    if (this.length === this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.length++] = offset;
  }

  scan(bytes: Buffer, base: number, size: number): void {
    let at = bytes.indexOf(NEWLINE);
    while (at !== -1) {
      if (base + at + 1 < size) this.push(base + at + 1);
      at = bytes.indexOf(NEWLINE, at + 1);
    }
  }

  finish(size: number): LineIndex {
    const used = this.starts.subarray(0, this.length);
    const starts = size <= 0xffffffff ? Uint32Array.from(used) : used.slice();
    return { size, totalLines: this.length, starts };
  }
}

/** The index of bytes already in memory (the whole file). */
export function indexBytes(bytes: Buffer): LineIndex {
  const builder = new StartsBuilder();
  if (bytes.length > 0) builder.push(0);
  builder.scan(bytes, 0, bytes.length);
  return builder.finish(bytes.length);
}

/**
 * Scans an open file in 1 MiB chunks, yielding to the event loop between chunks so a large file
 * never blocks other requests. Reads `size` bytes (the size the descriptor had when opened).
 */
export async function indexDescriptor(fd: number, size: number): Promise<LineIndex> {
  const builder = new StartsBuilder();
  if (size > 0) builder.push(0);
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size, 1)));
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await readAt(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
    if (bytesRead === 0) break;
    builder.scan(buffer.subarray(0, bytesRead), offset, size);
    offset += bytesRead;
  }
  // A file that shrank while we scanned: index only what was there.
  return builder.finish(Math.min(size, offset));
}

interface Entry {
  signature: Signature;
  index: LineIndex;
}

/**
 * Line indexes by real path, built once per file version: reused only while the open
 * descriptor's device, inode, size, mtime and ctime equal those seen when it was built (and were
 * settled then), so an edited file is re-indexed and never served with stale offsets.
 */
export class LineIndexCache {
  private readonly cache: LRUCache<string, Entry> | undefined;
  readonly stats = { hits: 0, builds: 0 };

  constructor(
    maxBytes: number,
    private readonly clockNs: () => bigint = nowNs,
  ) {
    this.cache =
      maxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: maxBytes,
            sizeCalculation: (e) => Math.max(64, e.index.starts.byteLength),
          })
        : undefined;
  }

  /** `wholeFile`: the file's bytes when they are already in memory (no second read). */
  async get(file: ConfinedFile, wholeFile?: Buffer): Promise<LineIndex> {
    const signature = signatureOf(file.stats, this.clockNs());
    const cached = this.cache?.get(file.realPath);
    if (cached && stillValid(cached.signature, signature)) {
      this.stats.hits++;
      return cached.index;
    }
    this.stats.builds++;
    const size = Number(file.stats.size);
    const index =
      wholeFile && wholeFile.length === size ? indexBytes(wholeFile) : await indexDescriptor(file.fd, size);
    if (index.starts.byteLength <= (this.cache?.maxSize ?? 0)) {
      this.cache?.set(file.realPath, { signature, index });
    }
    return index;
  }
}
