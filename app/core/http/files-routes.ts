import type { Context } from "koa";
import { z } from "zod";
import { AppError, BadRequestError } from "../../common/errors.js";
import { readJsonBody } from "../../common/http.js";
import type { Project } from "../project/project.js";
import { ALL_MISSING, parseFilePaths } from "../project/reader.js";

export interface FilesRouteLimits {
  maxBodyBytes: number;
  maxFilesPerRequest: number;
}

/** POST /files/content with `{"file_paths": [...]}`. */
export function contentHandler(project: Project, limits: FilesRouteLimits) {
  return async (ctx: Context) => {
    const body = await readJsonBody(ctx, limits.maxBodyBytes);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new BadRequestError('Request body must be a JSON object like {"file_paths": ["src/index.ts"]}');
    }
    const paths = parseFilePaths((body as { file_paths?: unknown }).file_paths, limits.maxFilesPerRequest);
    const { results, allMissing } = project.readFiles(paths);
    if (allMissing) throw new AppError(404, ALL_MISSING, { files: results });
    ctx.body = results;
  };
}

const single = (name: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be given once`),
  });

const searchQuery = z.object({
  q: single("q"),
  path: single("path").optional(),
  glob: single("glob").optional(),
  limit: single("limit")
    .regex(/^\d{1,6}$/, { error: "limit must be a whole number" })
    .transform(Number)
    .optional(),
  ignore_case: z.enum(["true", "false", "1", "0"], { error: "ignore_case must be true or false" }).optional(),
});

/** GET /files/search?q=...&path=...&glob=...&limit=...&ignore_case=... */
export function searchHandler(project: Project) {
  return async (ctx: Context) => {
    const parsed = searchQuery.safeParse(ctx.query);
    if (!parsed.success) throw new BadRequestError(parsed.error.issues.map((i) => i.message).join("; "));
    const { q, path, glob, limit, ignore_case } = parsed.data;
    ctx.body = await project.search({
      query: q,
      ...(path !== undefined ? { path } : {}),
      ...(glob !== undefined ? { glob } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ignoreCase: ignore_case === "true" || ignore_case === "1",
    });
  };
}
