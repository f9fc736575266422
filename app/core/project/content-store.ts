import { readSync } from "node:fs";
import { LRUCache } from "lru-cache";
import type { ConfinedFile } from "./confined-open.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";

export { NotAFileError } from "./confined-open.js";

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

export interface ContentStoreOptions {
  maxBytes: number;
  cacheMaxBytes: number;
  clockNs?: () => bigint;
}

/**
 * File heads through an LRU cache keyed by real path. Every lookup takes a confined, verified
 * descriptor (see confined-open.ts) and reuses the cached bytes only when that
 * descriptor's device, inode, size, mtime and ctime equal the cached ones (and were settled when
 * cached), so a changed file is never served stale and a swapped-in symlink never fills the cache.
 */
export class ContentStore {
  private readonly cache: LRUCache<string, Entry> | undefined;
  private readonly maxBytes: number;
  private readonly clockNs: () => bigint;
  /** Cache hits and misses, for tests and the benchmark. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(options: ContentStoreOptions) {
    this.maxBytes = options.maxBytes;
    this.clockNs = options.clockNs ?? nowNs;
    this.cache =
      options.cacheMaxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: options.cacheMaxBytes,
            sizeCalculation: (e) => Math.max(1, e.head.bytes.length),
          })
        : undefined;
  }

  /** The head of an open confined file, from cache when the descriptor shows it unchanged. */
  head(file: ConfinedFile): FileHead {
    const signature = signatureOf(file.stats, this.clockNs());
    const cached = this.cache?.get(file.realPath);
    if (cached && stillValid(cached.signature, signature)) {
      this.stats.hits++;
      return cached.head;
    }
    this.stats.misses++;
    const head = this.readHead(file);
    if (head.bytes.length <= (this.cache?.maxSize ?? 0)) this.cache?.set(file.realPath, { signature, head });
    return head;
  }

  private readHead(file: ConfinedFile): FileHead {
    const size = Number(file.stats.size);
    const want = Math.min(size, this.maxBytes);
    const buffer = Buffer.allocUnsafe(want);
    let read = 0;
    while (read < want) {
      const n = readSync(file.fd, buffer, read, want - read, read);
      if (n === 0) break;
      read += n;
    }
    const bytes = buffer.subarray(0, read);
    return { bytes, size, binary: looksBinary(bytes) };
  }
}

/** A NUL byte in the first 8000 bytes, as git decides. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
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
