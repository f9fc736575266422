import type { Context } from "koa";
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
