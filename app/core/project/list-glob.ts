import { compileGlob } from "../search/glob.js";

/**
 * The one place `list_files` turns a glob into a matcher over root-relative paths, with the
 * search's syntax and its backtracking-safe matcher (`app/core/search/glob.ts`): a glob without
 * "/" matches file names anywhere (`*.ts`), one with "/" the whole path (`app/**\/*.md`), dot
 * files included. A bad glob is a 400 naming `glob`.
 */
export function compileListGlob(glob: string): (path: string) => boolean {
  return compileGlob(glob);
}
