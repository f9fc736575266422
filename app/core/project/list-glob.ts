import picomatch from "picomatch";
import { BadRequestError } from "../../common/errors.js";

export const MAX_LIST_GLOB_LENGTH = 256;

/**
 * The one place `list_files` turns a glob into a matcher over root-relative paths: a glob without
 * "/" matches file names anywhere (`*.ts`), one with "/" the whole path (`app/**\/*.md`), dot
 * files included. Kept behind this function so the listing can move to the search's
 * backtracking-safe glob module without touching anything else.
 */
export function compileListGlob(glob: string): (path: string) => boolean {
  if (glob.length === 0) throw new BadRequestError("glob must not be empty");
  if (glob.length > MAX_LIST_GLOB_LENGTH)
    throw new BadRequestError(`glob is too long: at most ${MAX_LIST_GLOB_LENGTH} characters`);
  try {
    return picomatch(glob, { dot: true, basename: !glob.includes("/") });
  } catch {
    throw new BadRequestError("glob is not a valid pattern");
  }
}
