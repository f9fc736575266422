import type { Context } from "koa";
import { z } from "zod";
import { BadRequestError } from "../../common/errors.js";
import type { Project } from "../project/project.js";
import type { Structure } from "../project/tree.js";

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
