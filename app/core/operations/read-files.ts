import { z } from "zod";
import { AppError } from "../../common/errors.js";
import { ALL_MISSING } from "../project/reader.js";
import { defineOperation } from "./operation.js";

const fileResult = z.union([
  z.object({ content: z.string(), truncated: z.literal(true).optional(), size: z.number().optional() }),
  z.object({
    error: z.string(),
    binary: z.literal(true).optional(),
    size: z.number().optional(),
    skipped: z.literal(true).optional(),
  }),
]);

/** Contents of several files by path; the same budgets as `POST /files/content`. */
export const readFilesOperation = defineOperation({
  name: "read_files",
  title: "Read files",
  description:
    "Contents of files, by path relative to the project root. Large files are truncated (truncated: true); binary files are reported, not shown.",
  input: z.strictObject({ file_paths: z.array(z.string()).min(1) }),
  output: z.record(z.string(), fileResult),
  run: async ({ project, limits }, { file_paths }) => {
    if (file_paths.length > limits.maxFilesPerRequest) {
      throw new AppError(
        400,
        `Too many files: at most ${limits.maxFilesPerRequest} per request (got ${file_paths.length}); split the request`,
      );
    }
    const { results, allMissing } = project.readFiles(file_paths);
    if (allMissing) throw new AppError(404, ALL_MISSING, { files: results });
    return results;
  },
});
