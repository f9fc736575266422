import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Linux's PATH_MAX: no system call takes a path this long. */
export const PATH_MAX = 4096;

export interface DeepChain {
  /** Relative to the root: a directory still reachable by absolute path, holding `reachable.txt`. */
  reachableDir: string;
  /** Relative to the root: the first directory whose absolute path is longer than PATH_MAX. */
  firstTooLong: string;
  /** Moves the part past PATH_MAX back up, so the tree can be deleted with ordinary calls. */
  undo(): void;
}

/**
 * Makes `<root>/<name>/ddd.../ddd.../...` longer than PATH_MAX, with `reachable.txt` at the last
 * level still under it and `deep.txt` past it. No single call sees a path that long: two chains
 * are built with short paths and the second is moved into the first.
 */
export function makeChainPastPathMax(root: string, name: string): DeepChain {
  const segment = "d".repeat(200);
  const levels = Math.floor((PATH_MAX - root.length - 300) / (segment.length + 1));
  const build = (start: string) => {
    let path = start;
    mkdirSync(path);
    for (let i = 0; i < levels; i++) mkdirSync((path = join(path, segment)));
    return path;
  };
  const first = build(join(root, name));
  writeFileSync(join(first, "reachable.txt"), "reachable needle\n");
  const second = build(join(root, `${name}-tail`));
  writeFileSync(join(second, "deep.txt"), "deep needle\n");
  const moved = join(first, "tail");
  renameSync(join(root, `${name}-tail`), moved);
  const reachableDir = first.slice(root.length + 1);
  const tailRel = `${reachableDir}/tail`;
  // The first directory of the tail whose absolute path passes PATH_MAX.
  let firstTooLong = tailRel;
  while (root.length + 1 + firstTooLong.length < PATH_MAX) firstTooLong += `/${segment}`;
  return {
    reachableDir,
    firstTooLong,
    undo: () => renameSync(moved, join(root, `${name}-tail`)),
  };
}
