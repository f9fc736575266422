/**
 * The file contents one scan worker keeps between searches, packed into large slabs: a file read
 * costs no allocation of its own (one `Buffer` per file cost as much as opening it), and memory is
 * counted in whole slabs, so what is held never exceeds the budget, however the slabs fragment.
 *
 * Files are kept while there is room and never pushed out by newer ones: every search scans in the
 * same order, and evicting the oldest would throw away exactly what the next scan needs first. A
 * budget smaller than the project therefore keeps a stable part of it cached. Entries go when their
 * file changed, left the listing (`retainOnly`), or when half the budget is dead slab space.
 */

/** Slab size: a file larger than a quarter of it gets a buffer of its own. */
const SLAB_BYTES = 4 * 1024 * 1024;

interface Slab {
  buffer: Buffer;
  used: number;
  /** Entries whose bytes lie in this slab. */
  live: number;
}

export interface Signature {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface CachedFile extends Signature {
  /** undefined: a binary file. */
  bytes: Buffer | undefined;
  slab: Slab | undefined;
}

/** Where a caller reads a file: `keep` it afterwards, or drop it (the space is reused). */
export interface Room {
  buf: Buffer;
  slab: Slab | undefined;
}

export class ContentCache {
  private readonly entries = new Map<string, CachedFile>();
  private current: Slab | undefined;
  /** Bytes of every slab that holds a live entry, and of the current one. */
  private heldBytes = 0;
  /** Bytes of the entries themselves. */
  private liveBytes = 0;
  private scratch = Buffer.allocUnsafeSlow(0);
  /** A file that would fit the rules found no room in the budget (cleared when an entry goes). */
  private refused = false;

  constructor(private readonly maxBytes: number) {}

  get(rel: string): CachedFile | undefined {
    return this.entries.get(rel);
  }

  /** True once a file was turned away for lack of room: filling on would only read and drop files. */
  get full(): boolean {
    return this.refused;
  }

  /** Space for a file of `size` bytes, in the cache when it has room, else in a reused scratch buffer. */
  room(size: number): Room {
    if (this.maxBytes === 0) return this.noRoom(size);
    if (size > SLAB_BYTES / 4) {
      // A file over a quarter of the budget is never kept; that is no sign of a full cache.
      if (size > this.maxBytes / 4) return { buf: this.scratchOf(size), slab: undefined };
      if (this.heldBytes + size > this.maxBytes) return this.noRoom(size);
      const buffer = Buffer.allocUnsafeSlow(size);
      return { buf: buffer, slab: { buffer, used: 0, live: 0 } };
    }
    const current = this.current;
    if (current && current.used + size <= SLAB_BYTES)
      return { buf: current.buffer.subarray(current.used, current.used + size), slab: current };
    if (current) this.release(current, true);
    if (this.heldBytes + SLAB_BYTES > this.maxBytes) this.compact();
    if (this.heldBytes + SLAB_BYTES > this.maxBytes) return this.noRoom(size);
    const slab: Slab = { buffer: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0 };
    this.current = slab;
    this.heldBytes += SLAB_BYTES;
    return { buf: slab.buffer.subarray(0, size), slab };
  }

  /** Keeps a file read into `room` (its first `bytes.length` bytes), or a binary file's signature. */
  keep(rel: string, signature: Signature, room: Room | undefined, bytes: Buffer | undefined): void {
    this.delete(rel);
    const slab = bytes ? room?.slab : undefined;
    if (bytes && !slab) return;
    if (slab) {
      if (slab !== this.current) this.heldBytes += slab.buffer.length;
      else slab.used += bytes!.length;
      slab.live++;
      this.liveBytes += bytes!.length;
    }
    const { ino, size, mtimeMs, ctimeMs } = signature;
    this.entries.set(rel, { ino, size, mtimeMs, ctimeMs, bytes, slab });
  }

  delete(rel: string): void {
    const entry = this.entries.get(rel);
    if (!entry) return;
    this.entries.delete(rel);
    this.refused = false;
    if (!entry.slab || !entry.bytes) return;
    this.liveBytes -= entry.bytes.length;
    entry.slab.live--;
    this.release(entry.slab, false);
  }

  /** Forgets every file not in `paths` (the worker's new share of the listing). */
  retainOnly(paths: readonly string[]): void {
    const listed = new Set(paths);
    for (const rel of [...this.entries.keys()]) if (!listed.has(rel)) this.delete(rel);
  }

  /** A slab no longer counts once nothing lives in it and it is not being filled. */
  private release(slab: Slab, leavingCurrent: boolean) {
    if (leavingCurrent) this.current = undefined;
    else if (slab === this.current) return;
    if (slab.live === 0) this.heldBytes -= slab.buffer.length;
  }

  /** When half the budget is dead space in fragmented slabs, starts again empty. */
  private compact(): void {
    const dead = this.heldBytes - this.liveBytes;
    if (dead === 0 || dead < this.maxBytes / 2) return;
    this.entries.clear();
    this.refused = false;
    this.current = undefined;
    this.heldBytes = 0;
    this.liveBytes = 0;
  }

  private noRoom(size: number): Room {
    this.refused = true;
    return { buf: this.scratchOf(size), slab: undefined };
  }

  private scratchOf(size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafeSlow(Math.max(size, SLAB_BYTES));
    return this.scratch.subarray(0, size);
  }
}
