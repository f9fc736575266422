import { FileChangedError, HiddenFileError, NotAFileError } from "./confined-open.js";
import { PathRefusedError } from "./paths.js";

/** The per-file error a client sees; hidden and missing files read the same. */
export function errorMessage(err: unknown): string {
  if (err instanceof PathRefusedError) return err.message;
  if (err instanceof HiddenFileError) return "File not found";
  if (err instanceof NotAFileError) return "Path is a directory or not a regular file";
  if (err instanceof FileChangedError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EISDIR") return "Path is a directory or not a regular file";
  if (code === "ENOENT" || code === "ENOTDIR") return "File not found";
  return "File could not be read";
}
