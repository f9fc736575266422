import type { Context } from "koa";
import { AppError, BadRequestError } from "../../common/errors.js";
import { readJsonBody } from "../../common/http.js";
import type { Project } from "../project/project.js";
import { ALL_MISSING, parseFilePaths } from "../project/reader.js";
import type { Structure } from "../project/tree.js";

export interface FilesRouteLimits {
  maxBodyBytes: number;
  maxFilesPerRequest: number;
}

/** GET /files/structure. The serialised answer is reused while the tree snapshot is unchanged. */
export function structureHandler(project: Project) {
  let last: { structure: Structure; json: string } | undefined;
  return async (ctx: Context) => {
    const structure = await project.structure();
    if (last?.structure !== structure) last = { structure, json: JSON.stringify(structure) };
    ctx.type = "application/json";
    ctx.body = last.json;
  };
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
