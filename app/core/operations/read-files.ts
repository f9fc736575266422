import { z } from "zod";
import { AppError } from "../../common/errors.js";
import { ALL_MISSING } from "../project/reader.js";
import { defineOperation } from "./operation.js";

const lineNumber = (field: string) => {
  const error = `must be a whole number of at least 1 (the first line is 1)`;
  return z
    .number({ error: (issue) => (issue.input === undefined ? `${field} is missing` : error) })
    .int({ error })
    .min(1, { error });
};

/** `{"path": ..., "start_line": n, "end_line": m}`: lines n to m, 1-based and inclusive, either end optional. */
export const rangeRequest = z
  .strictObject(
    {
      path: z.string({ error: "must be a file path relative to the project root" }),
      start_line: lineNumber("start_line").optional(),
      end_line: lineNumber("end_line").optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `has unknown field(s) ${issue.keys.join(", ")}: use path, start_line, end_line`
          : undefined,
    },
  )
  .refine((r) => r.start_line === undefined || r.end_line === undefined || r.start_line <= r.end_line, {
    error: "must not be after end_line",
    path: ["start_line"],
  });

const fileRequest = z.union([z.string(), rangeRequest], {
  error: 'must be a path, or {"path": ..., "start_line": n, "end_line": m}',
});

const textEntry = z.object({
  content: z.string(),
  total_lines: z.number(),
  start_line: z.number(),
  end_line: z.number(),
  truncated: z.literal(true).optional(),
  next_start_line: z.number().optional(),
  size: z.number().optional(),
  partial_line: z.literal(true).optional(),
});

const errorEntry = z.object({
  error: z.string(),
  binary: z.literal(true).optional(),
  size: z.number().optional(),
  skipped: z.literal(true).optional(),
  total_lines: z.number().optional(),
});

const fileResult = z.union([textEntry, errorEntry, z.object({ duplicate_of: z.string() })]);

export const readFilesInput = z.strictObject({
  file_paths: z
    .array(fileRequest, {
      error: (issue) =>
        issue.input === undefined ? "is required: a list of file paths" : "must be a list of file paths",
    })
    .min(1, { error: "must not be empty" }),
});

/** Contents of files or of line ranges of them; the same rules and budgets as `/files/content`. */
export const readFilesOperation = defineOperation({
  name: "read_files",
  title: "Read files",
  description:
    'Contents of files by path relative to the project root, whole or by line range: {"path": "a.ts", "start_line": 100, "end_line": 200} (1-based, inclusive). ' +
    "Each entry gives total_lines and the lines returned (start_line, end_line). An answer too large stops on a whole line with truncated: true and next_start_line to ask for next. Binary files are reported, not shown.",
  input: readFilesInput,
  output: z.record(z.string(), fileResult),
  run: async ({ project, limits }, { file_paths }) => {
    if (file_paths.length > limits.maxFilesPerRequest) {
      throw new AppError(
        400,
        `Too many files: at most ${limits.maxFilesPerRequest} per request (got ${file_paths.length}); split the request`,
      );
    }
    const requests = file_paths.map((r) =>
      typeof r === "string"
        ? r
        : {
            path: r.path,
            ...(r.start_line !== undefined ? { start_line: r.start_line } : {}),
            ...(r.end_line !== undefined ? { end_line: r.end_line } : {}),
          },
    );
    const { results, allMissing } = await project.readFiles(requests, {
      maxResponseChars: limits.maxResponseChars,
    });
    if (allMissing) throw new AppError(404, ALL_MISSING, { files: results });
    return results;
  },
});
