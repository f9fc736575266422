/**
 * The scan order is the listing order of the tree: directories depth first with names sorted,
 * a directory's own files (sorted) before its subdirectories. That is: compare the directory
 * parts segment by segment (a parent before its children), then the file names. A cursor names a
 * path, so it keeps its place even when files were added or removed between pages.
 */
export function compareScanOrder(a: string, b: string): number {
  const slashA = a.lastIndexOf("/");
  const slashB = b.lastIndexOf("/");
  const dirA = slashA < 0 ? "" : a.slice(0, slashA);
  const dirB = slashB < 0 ? "" : b.slice(0, slashB);
  if (dirA !== dirB) return compareDirs(dirA, dirB);
  const nameA = a.slice(slashA + 1);
  const nameB = b.slice(slashB + 1);
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

/** Segment-wise: "/" sorts before every other character, and a prefix before what extends it. */
function compareDirs(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca === 47) return -1;
    if (cb === 47) return 1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** The files in scan order: the tree's own list when it already is (the usual case), else a sorted copy. */
export function inScanOrder(files: readonly string[]): readonly string[] {
  for (let i = 1; i < files.length; i++) {
    if (compareScanOrder(files[i - 1] as string, files[i] as string) >= 0)
      return [...files].sort(compareScanOrder);
  }
  return files;
}

/** Index of the first file at or after `path` in scan order. */
export function lowerBound(files: readonly string[], path: string): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareScanOrder(files[mid] as string, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
