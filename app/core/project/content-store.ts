import { closeSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { LRUCache } from "lru-cache";
import { nowNs, signatureOf, statSignature, stillValid, type Signature } from "./file-signature.js";

/** The first `maxBytes` of a file, with its full size and whether it looks binary. */
export interface FileHead {
  bytes: Buffer;
  size: number;
  binary: boolean;
}

interface Entry {
  signature: Signature;
  head: FileHead;
}

const BINARY_SNIFF_BYTES = 8000;

/**
 * Reads file heads through an LRU cache keyed by real path. Every lookup re-stats the file and
 * reuses the cached bytes only when inode, size, mtime and ctime are unchanged (and were settled
 * when cached), so a changed file is never served stale.
 */
export class ContentStore {
  private readonly cache: LRUCache<string, Entry> | undefined;
  /** Cache hits and misses, for tests and the benchmark. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly maxBytes: number,
    cacheMaxBytes: number,
    private readonly clockNs: () => bigint = nowNs,
  ) {
    this.cache =
      cacheMaxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: cacheMaxBytes,
            sizeCalculation: (e) => Math.max(1, e.head.bytes.length),
          })
        : undefined;
  }

  /** `realPath` must already be confined and checked against the ignore rules. */
  read(realPath: string): FileHead {
    const cached = this.cache?.get(realPath);
    if (cached && stillValid(cached.signature, statSignature(realPath, this.clockNs()))) {
      this.stats.hits++;
      return cached.head;
    }
    this.stats.misses++;
    const entry = this.readFresh(realPath);
    if (entry.head.bytes.length <= (this.cache?.maxSize ?? 0)) this.cache?.set(realPath, entry);
    return entry.head;
  }

  private readFresh(realPath: string): Entry {
    const capturedAt = this.clockNs();
    // O_NONBLOCK: opening a FIFO that slipped in must not hang the request.
    const fd = openSync(realPath, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (!stats.isFile()) throw new NotAFileError();
      const size = Number(stats.size);
      const want = Math.min(size, this.maxBytes);
      const buffer = Buffer.allocUnsafe(want);
      let read = 0;
      while (read < want) {
        const n = readSync(fd, buffer, read, want - read, read);
        if (n === 0) break;
        read += n;
      }
      const bytes = buffer.subarray(0, read);
      const binary = bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
      return { signature: signatureOf(stats, capturedAt), head: { bytes, size, binary } };
    } finally {
      closeSync(fd);
    }
  }
}

export class NotAFileError extends Error {
  constructor() {
    super("Not a regular file");
    this.name = "NotAFileError";
  }
}

/** Decodes UTF-8, dropping a multi-byte character cut in half at the end of a truncated read. */
export function decodeUtf8Prefix(bytes: Buffer, truncated: boolean): string {
  if (!truncated) return bytes.toString("utf8");
  let end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the start of the last character.
  let start = end - 1;
  while (start >= 0 && start > end - 4 && ((bytes[start] as number) & 0xc0) === 0x80) start--;
  if (start >= 0) {
    const lead = bytes[start] as number;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (start + length > end) end = start;
  }
  return bytes.subarray(0, end).toString("utf8");
}
