import { z } from "zod";
import { AppError } from "../../common/errors.js";
import { ALL_MISSING } from "../project/reader.js";
import { defineOperation } from "./operation.js";

const info = z.union([
  z.object({
    size: z.number(),
    total_lines: z.number().optional(),
    modified: z.string(),
    binary: z.boolean(),
  }),
  z.object({ error: z.string() }),
]);

/** Facts about files (size, lines, modification time, binary or text); the same rules as `GET /files/info`. */
export const fileInfoOperation = defineOperation({
  name: "file_info",
  title: "File facts",
  description:
    "Size in bytes, total_lines, last modification time (ISO 8601) and whether each file is binary, by path relative to the project root. Use it to plan line-range reads of large files.",
  input: z.strictObject({
    paths: z
      .array(z.string({ error: "must be a file path relative to the project root" }), {
        error: "must be a list of file paths",
      })
      .min(1, { error: "must not be empty" }),
  }),
  output: z.record(z.string(), info),
  run: async ({ project, limits }, { paths }) => {
    if (paths.length > limits.maxFilesPerRequest) {
      throw new AppError(
        400,
        `Too many paths: at most ${limits.maxFilesPerRequest} per request (got ${paths.length}); split the request`,
      );
    }
    const { results, allMissing } = await project.fileInfo(paths, {
      maxResponseChars: limits.maxResponseChars,
    });
    if (allMissing) throw new AppError(404, ALL_MISSING, { files: results });
    return results;
  },
});
