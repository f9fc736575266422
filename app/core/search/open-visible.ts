import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Stats,
} from "node:fs";
import { join, relative, sep } from "node:path";
import { isInside } from "../project/paths.js";

/** An open descriptor of a regular file that is verified to lie inside the root and be visible. */
export interface VisibleFile {
  fd: number;
  stats: Stats;
}

const PROC_FD = process.platform === "linux";
// O_NONBLOCK: a FIFO swapped in must not hang the scan; O_NOCTTY: never adopt a terminal.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

/**
 * Opens a listed file for searching so that a swap made after the listing cannot leak anything:
 * the check is made on what was opened, not on the path. On Linux the descriptor's own path
 * (`/proc/self/fd/N`) must be inside the root — whatever symlinks (last component or any
 * directory above it) were followed — and, when it differs from the listed path, not hidden by
 * the ignore rules or the deny list. Elsewhere the real path is resolved first, opened without
 * following a final symlink, and the descriptor must be the same file as that real path.
 * Returns undefined (the file is skipped) when any check fails.
 */
export function openVisibleFile(
  rootReal: string,
  rel: string,
  isHiddenReal: (realRel: string) => boolean,
): VisibleFile | undefined {
  let fd: number | undefined;
  try {
    let realPath: string;
    if (PROC_FD) {
      fd = openSync(`${rootReal}/${rel}`, OPEN_FLAGS);
      realPath = readlinkSync(`/proc/self/fd/${fd}`);
    } else {
      realPath = realpathSync.native(join(rootReal, rel));
      fd = openSync(realPath, OPEN_FLAGS | constants.O_NOFOLLOW);
    }
    const stats = fstatSync(fd);
    if (!stats.isFile() || !isInside(rootReal, realPath)) return close(fd);
    if (realPath.length !== rootReal.length + 1 + rel.length || !realPath.endsWith(rel)) {
      const realRel = relative(rootReal, realPath).split(sep).join("/");
      if (realRel !== rel && isHiddenReal(realRel)) return close(fd);
    }
    if (!PROC_FD) {
      const again = statSync(realPath);
      if (again.ino !== stats.ino || again.dev !== stats.dev) return close(fd);
    }
    return { fd, stats };
  } catch {
    if (fd !== undefined) close(fd);
    return undefined;
  }
}

function close(fd: number): undefined {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to do
  }
  return undefined;
}
