import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** `["file_paths", 2, "start_line"]` → `file_paths[2].start_line`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let name = "";
  for (const part of path) {
    if (typeof part === "number") name += `[${part}]`;
    else name += name === "" ? String(part) : `.${String(part)}`;
  }
  return name;
}

/**
 * One line per problem, each naming the argument it is about (`file_paths[2].start_line must be
 * ...`), for 400 answers. A union's problems are reported for the alternative the value was
 * meant as: the one that got past the value's type.
 */
export function describeIssues(
  issues: readonly Issue[],
  rename: (field: string) => string = (f) => f,
  prefix: readonly PropertyKey[] = [],
): string {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union") {
      const meant = issue.errors.find((branch) =>
        branch.some((i) => i.path.length > 0 || i.code !== "invalid_type"),
      );
      if (meant) {
        lines.push(describeIssues(meant, rename, path));
        continue;
      }
    }
    const field = rename(fieldName(path));
    lines.push(field === "" ? issue.message : `${field} ${issue.message}`);
  }
  return lines.join("; ");
}
