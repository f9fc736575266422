import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  statSync,
  type BigIntStats,
} from "node:fs";
import { relative, sep } from "node:path";
import { isInside, PathRefusedError, resolveInsideRoot } from "./paths.js";

/**
 * The one way the Core opens a project file for reading (reads, cache fills, the line index,
 * search). Checking a path with `realpath` and opening it later is a race: a local process can
 * swap a file or a directory on the way for a symlink to `/etc/passwd` or to the project's
 * `.env` in between. So the path is resolved and checked, opened without following a link in its
 * last component (`O_NOFOLLOW`), and then the open descriptor itself is verified: on Linux its
 * real path (`/proc/self/fd/N`) must be exactly the path that was checked; elsewhere the checked
 * path must still resolve to itself and name the same device and inode as the descriptor.
 * Anything read through the descriptor afterwards is the file that was checked, whatever is
 * swapped later.
 */

export interface Confinement {
  /** Real path of the project root. */
  rootReal: string;
  /** Whether a path relative to the root ("/"-separated, never "") is hidden (ignore rules, deny list). */
  isHidden(rel: string): boolean;
}

/** An open, verified project file. Close it with `closeConfined`. */
export interface ConfinedFile {
  fd: number;
  /** `fstat` of the descriptor. */
  stats: BigIntStats;
  realPath: string;
  /** Real path relative to the root, "/"-separated. */
  realRel: string;
}

/** The path is a directory, FIFO, device... */
export class NotAFileError extends Error {
  constructor() {
    super("Not a regular file");
    this.name = "NotAFileError";
  }
}

/** Hidden by the ignore rules or the deny list: answered like a missing file. */
export class HiddenFileError extends Error {
  constructor() {
    super("File not found");
    this.name = "HiddenFileError";
  }
}

/** The path kept changing under us (for example a symlink swapped in and out) while it was opened. */
export class FileChangedError extends Error {
  constructor() {
    super("File changed while it was being opened: try again");
    this.name = "FileChangedError";
  }
}

const ATTEMPTS = 3;
// O_NONBLOCK: opening a FIFO that slipped in must not hang the request.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens `rel` (a normalised relative path, see `normalizeRequestedPath`) for reading, confined to
 * the root and hidden from nothing the rules hide. Throws PathRefusedError (invalid, outside,
 * missing), HiddenFileError, NotAFileError or FileChangedError; never returns a descriptor of a
 * file outside the root or hidden.
 */
export function openConfined(confinement: Confinement, rel: string): ConfinedFile {
  if (rel === "") throw new NotAFileError();
  if (confinement.isHidden(rel)) throw new HiddenFileError();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const { realPath, realRel } = resolveInsideRoot(confinement.rootReal, rel);
    if (realRel === "") throw new NotAFileError();
    if (realRel !== rel && confinement.isHidden(realRel)) throw new HiddenFileError();
    let fd: number;
    try {
      fd = openSync(realPath, OPEN_FLAGS);
    } catch (err) {
      // ELOOP: the last component became a symlink after realpath; ENOENT: it went away. Resolve again.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP" || code === "ENOENT") continue;
      throw err;
    }
    let verified = false;
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (!descriptorIs(fd, stats, realPath, confinement.rootReal)) continue;
      if (!stats.isFile()) throw new NotAFileError();
      verified = true;
      return { fd, stats, realPath, realRel };
    } finally {
      if (!verified) closeSync(fd);
    }
  }
  throw new FileChangedError();
}

/** Opens a file by its real absolute path (as search has it), with the same checks. */
export function openConfinedReal(confinement: Confinement, realPath: string): ConfinedFile {
  if (!isInside(confinement.rootReal, realPath) || realPath === confinement.rootReal) {
    throw new PathRefusedError("outside", "Path is outside the project");
  }
  return openConfined(confinement, relative(confinement.rootReal, realPath).split(sep).join("/"));
}

export function closeConfined(file: ConfinedFile): void {
  closeSync(file.fd);
}

/** Runs `use` on the opened file and closes it afterwards, also when `use` throws or rejects. */
export async function withConfinedFile<T>(
  confinement: Confinement,
  rel: string,
  use: (file: ConfinedFile) => T | Promise<T>,
): Promise<T> {
  const file = openConfined(confinement, rel);
  try {
    return await use(file);
  } finally {
    closeConfined(file);
  }
}

/** True when the descriptor is the file at `realPath`, reached without any symlink on the way. */
function descriptorIs(fd: number, stats: BigIntStats, realPath: string, rootReal: string): boolean {
  if (procFdWorks(rootReal)) {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === realPath;
    } catch {
      return false;
    }
  }
  // Without /proc: the checked path must still resolve to itself (no link on the way) and name
  // the very inode we opened. A swap-and-swap-back in between changes the inode and is caught.
  try {
    if (realpathSync.native(realPath) !== realPath) return false;
    const now = statSync(realPath, { bigint: true });
    return now.dev === stats.dev && now.ino === stats.ino;
  } catch {
    return false;
  }
}

const procFdVerdicts = new Map<string, boolean>();

/**
 * Whether `/proc/self/fd/N` names descriptors by the same real paths `realpath` gives under this
 * root (Linux with /proc mounted; not, say, inside some unusual mount namespaces). Checked once
 * per root by opening the root itself.
 */
function procFdWorks(rootReal: string): boolean {
  let verdict = procFdVerdicts.get(rootReal);
  if (verdict === undefined) {
    verdict = false;
    if (existsSync("/proc/self/fd")) {
      let fd: number | undefined;
      try {
        fd = openSync(rootReal, constants.O_RDONLY);
        verdict = readlinkSync(`/proc/self/fd/${fd}`) === rootReal;
      } catch {
        verdict = false;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    procFdVerdicts.set(rootReal, verdict);
  }
  return verdict;
}

/** Which verification this platform uses, for logs and tests. */
export function descriptorCheck(rootReal: string): "proc-fd-path" | "device-and-inode" {
  return procFdWorks(rootReal) ? "proc-fd-path" : "device-and-inode";
}
