import { fstatSync } from "node:fs";
import { createRequire } from "node:module";
import type { Signature } from "./content-cache.js";

/**
 * Opens listed files the way `grep -r` does (fts with `FTS_PHYSICAL`): from a descriptor of the
 * root, one directory at a time with `openat(…, O_NOFOLLOW | O_DIRECTORY)`, the file itself with
 * `O_NOFOLLOW`. No symlink is followed anywhere, so what is opened is the file that lies at the
 * listed path inside the root — a swap of any component for a symlink fails to open instead of
 * leading elsewhere — and no per-file check of the descriptor's path is needed.
 *
 * Node has no `openat`, and going through `node:fs` costs a path walk from `/`, a readlink of
 * `/proc/self/fd/N` and a `Stats` object per file; calling libc through koffi (an FFI library
 * with prebuilt binaries) costs a few hundred nanoseconds a call. This is what makes a cold
 * search as fast as grep (docs/core.md#benchmark). Linux on x64 and arm64 only, where the layout
 * of `struct stat` is known and checked against Node's own `fstat` at start: elsewhere `create`
 * answers undefined and the caller uses its `node:fs` path, which gives the same answers.
 */

/** How search workers open files: this way, or by path with a check of each descriptor. */
export type FileOpening = "openat" | "node:fs";

/** A file opened without following symlinks, and what the cache needs to know it again. */
export interface OpenedFile extends Signature {
  fd: number;
}

interface Libc {
  openat(dirFd: number, name: string, flags: number): number;
  fstat(fd: number, out: Buffer): number;
  fstatat(dirFd: number, name: string, out: Buffer, flags: number): number;
  close(fd: number): number;
  pread(fd: number, into: Buffer, length: number, position: number): number;
  errno(): number;
}

const O_RDONLY = 0;
const O_NOCTTY = 0o400;
// O_NONBLOCK: a FIFO swapped in must not hang the scan.
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
/** Linux's values: generic (arm64) and x86 differ only for O_DIRECTORY and O_NOFOLLOW. */
const ARCH = {
  x64: { O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000, modeOffset: 24 },
  arm64: { O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000, modeOffset: 16 },
} as const;
const AT_SYMLINK_NOFOLLOW = 0x100;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
/** `struct stat` is 144 bytes on x64, 128 on arm64; the fields read here sit at the same offsets. */
const STAT_BYTES = 144;
const INO_OFFSET = 8;
const SIZE_OFFSET = 48;
const MTIME_OFFSET = 88;
const CTIME_OFFSET = 104;

/**
 * Where koffi is installed, resolved from this module (the main thread). Search workers run as
 * an eval'd bundle with no module URL of their own, so they are handed this path.
 */
export function locateKoffi(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("koffi");
  } catch {
    return undefined;
  }
}

let libcLoaded: Libc | null | undefined;

function loadLibc(koffiPath: string): Libc | null {
  if (libcLoaded !== undefined) return libcLoaded;
  libcLoaded = null;
  if (process.platform !== "linux" || !(process.arch in ARCH)) return null;
  try {
    const koffi = createRequire(koffiPath)(koffiPath) as typeof import("koffi");
    const lib = koffi.load("libc.so.6");
    libcLoaded = {
      openat: lib.func("int openat(int, const char *, int)") as Libc["openat"],
      fstat: lib.func("int fstat(int, _Out_ uint8_t *)") as Libc["fstat"],
      fstatat: lib.func("int fstatat(int, const char *, _Out_ uint8_t *, int)") as Libc["fstatat"],
      close: lib.func("int close(int)") as Libc["close"],
      pread: lib.func("long pread(int, _Out_ uint8_t *, unsigned long, long)") as Libc["pread"],
      errno: () => koffi.errno(),
    };
  } catch {
    // koffi would not load, or no glibc (musl): the node:fs path serves.
  }
  return libcLoaded;
}

export class NoFollowOpener {
  /** Names and descriptors of the directories from the root down to the last file's directory. */
  private readonly chainNames: string[] = [];
  /** The chain's path ("a/b"), so files of the same directory reuse it with one comparison. */
  private chainPath = "";
  private readonly chainFds: number[] = [];
  /** `struct stat`, read as 32-bit words (both platforms are little-endian). */
  private readonly statWords = new Uint32Array(STAT_BYTES / 4);
  private readonly statSigned = new Int32Array(this.statWords.buffer);
  private readonly statBuf = Buffer.from(this.statWords.buffer);

  private constructor(
    private readonly libc: Libc,
    private readonly rootFd: number,
    private readonly flags: (typeof ARCH)[keyof typeof ARCH],
  ) {}

  /**
   * An opener for `rootReal` (a real path: no symlink in it), or undefined when this platform
   * has no such opener (no `koffiPath`: see `locateKoffi`) or the root cannot be opened.
   */
  static create(rootReal: string, koffiPath: string | undefined): NoFollowOpener | undefined {
    const libc = koffiPath === undefined ? null : loadLibc(koffiPath);
    if (!libc) return undefined;
    const flags = ARCH[process.arch as keyof typeof ARCH];
    const rootFd = libc.openat(
      -100 /* AT_FDCWD */,
      rootReal,
      O_RDONLY | O_CLOEXEC | flags.O_DIRECTORY | flags.O_NOFOLLOW,
    );
    if (rootFd < 0) return undefined;
    const opener = new NoFollowOpener(libc, rootFd, flags);
    if (!opener.agreesWithNode(rootFd)) {
      opener.close();
      return undefined;
    }
    return opener;
  }

  /**
   * Opens `rel` ("/"-separated, as listed) for reading. Undefined when it cannot be opened this
   * way: gone, not a regular file, or a symlink on the way (listed symlinks inside the root take
   * the caller's checked path).
   */
  open(rel: string): OpenedFile | undefined {
    const slash = rel.lastIndexOf("/");
    const dirFd = this.directoryOf(rel, slash);
    if (dirFd < 0) return undefined;
    const fd = this.libc.openat(
      dirFd,
      slash < 0 ? rel : rel.slice(slash + 1),
      O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | this.flags.O_NOFOLLOW,
    );
    if (fd < 0) return undefined;
    if (this.libc.fstat(fd, this.statBuf) !== 0 || !this.isRegularFile()) {
      this.libc.close(fd);
      return undefined;
    }
    return this.fileOf(fd);
  }

  /** The signature of the regular file at `rel` (not following symlinks), or undefined. */
  stat(rel: string): Signature | undefined {
    const slash = rel.lastIndexOf("/");
    const dirFd = this.directoryOf(rel, slash);
    if (dirFd < 0) return undefined;
    const name = slash < 0 ? rel : rel.slice(slash + 1);
    if (this.libc.fstatat(dirFd, name, this.statBuf, AT_SYMLINK_NOFOLLOW) !== 0) return undefined;
    if (!this.isRegularFile()) return undefined;
    const { ino, size, mtimeMs, ctimeMs } = this.fileOf(-1);
    return { ino, size, mtimeMs, ctimeMs };
  }

  /**
   * Reads into `into` from file offset `position`, as `readSync` would (bytes read; 0 at the end),
   * for a descriptor `open` gave. Throws on a read error (an I/O error, or a directory).
   */
  readonly read = (fd: number, into: Buffer, position: number): number => {
    const n = this.libc.pread(fd, into, into.length, position);
    if (n < 0) throw new Error(`read failed (errno ${this.libc.errno()})`);
    return n;
  };

  closeFile(fd: number): void {
    this.libc.close(fd);
  }

  /** Closes the directory chain (kept between files of one scan) but keeps the root. */
  release(): void {
    this.truncateChain(0);
  }

  close(): void {
    this.release();
    this.libc.close(this.rootFd);
  }

  /** The descriptor of the directory holding `rel`, walking down from the longest shared prefix. */
  private directoryOf(rel: string, slash: number): number {
    if (slash < 0) {
      this.truncateChain(0);
      return this.rootFd;
    }
    const dir = rel.slice(0, slash);
    if (dir === this.chainPath && this.chainFds.length > 0)
      return this.chainFds[this.chainFds.length - 1] as number;
    const names = dir.split("/");
    let keep = 0;
    while (keep < names.length && keep < this.chainNames.length && this.chainNames[keep] === names[keep])
      keep++;
    this.truncateChain(keep);
    for (let i = keep; i < names.length; i++) {
      const parent = i === 0 ? this.rootFd : (this.chainFds[i - 1] as number);
      const fd = this.libc.openat(
        parent,
        names[i] as string,
        O_RDONLY | O_CLOEXEC | this.flags.O_DIRECTORY | this.flags.O_NOFOLLOW,
      );
      if (fd < 0) return -1;
      this.chainNames.push(names[i] as string);
      this.chainFds.push(fd);
    }
    this.chainPath = dir;
    return this.chainFds[this.chainFds.length - 1] as number;
  }

  private truncateChain(length: number): void {
    if (length < this.chainFds.length) this.chainPath = "";
    while (this.chainFds.length > length) {
      this.libc.close(this.chainFds.pop() as number);
      this.chainNames.pop();
    }
  }

  private isRegularFile(): boolean {
    return ((this.statWords[this.flags.modeOffset / 4] as number) & S_IFMT) === S_IFREG;
  }

  /** What `fstat` left in the buffer; milliseconds computed as Node computes `mtimeMs`, so they compare equal. */
  private fileOf(fd: number): OpenedFile {
    return {
      fd,
      ino: this.uint64(INO_OFFSET),
      size: this.int64(SIZE_OFFSET),
      mtimeMs: this.int64(MTIME_OFFSET) * 1e3 + this.int64(MTIME_OFFSET + 8) / 1e6,
      ctimeMs: this.int64(CTIME_OFFSET) * 1e3 + this.int64(CTIME_OFFSET + 8) / 1e6,
    };
  }

  /** A 64-bit field as the nearest number, as Node converts it (no BigInt: this runs per file). */
  private uint64(offset: number): number {
    const i = offset / 4;
    return (this.statWords[i] as number) + (this.statWords[i + 1] as number) * 0x1_0000_0000;
  }

  private int64(offset: number): number {
    const i = offset / 4;
    return (this.statWords[i] as number) + (this.statSigned[i + 1] as number) * 0x1_0000_0000;
  }

  /** The layout check: libc's fstat of the root, read at our offsets, must equal Node's. */
  private agreesWithNode(fd: number): boolean {
    if (this.libc.fstat(fd, this.statBuf) !== 0) return false;
    const ours = this.fileOf(-1);
    const node = fstatSync(fd);
    const mode = this.statWords[this.flags.modeOffset / 4];
    return (
      node.isDirectory() &&
      mode === node.mode &&
      ours.ino === node.ino &&
      ours.size === node.size &&
      ours.mtimeMs === node.mtimeMs &&
      ours.ctimeMs === node.ctimeMs
    );
  }
}
