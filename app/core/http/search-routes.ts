import type { Context } from "koa";
import { z } from "zod";
import { BadRequestError } from "../../common/errors.js";
import type { CoreConfig } from "../config.js";
import { searchOperation } from "../operations/search.js";
import type { Project } from "../project/project.js";
import { SEARCH_MODES } from "../search/search-request.js";

const single = (name: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be given once`),
  });
const flag = (name: string) =>
  z
    .enum(["true", "false", "1", "0"], { error: `${name} must be true or false` })
    .transform((v) => v === "true" || v === "1")
    .optional();
const wholeNumber = (name: string) =>
  single(name)
    .regex(/^\d{1,6}$/, { error: `${name} must be a whole number` })
    .transform(Number)
    .optional();

const searchQuery = z.object({
  q: single("q"),
  regex: flag("regex"),
  ignore_case: flag("ignore_case"),
  context: wholeNumber("context"),
  mode: z.enum(SEARCH_MODES, { error: `mode must be one of ${SEARCH_MODES.join(", ")}` }).optional(),
  path: single("path").optional(),
  glob: single("glob").optional(),
  limit: wholeNumber("limit"),
  cursor: single("cursor").optional(),
});

/**
 * GET /files/search?q=&regex=&ignore_case=&context=&mode=&path=&glob=&limit=&cursor= — the
 * `search` operation over HTTP. The search stops when the client goes away.
 */
export function searchHandler(project: Project, limits: CoreConfig["limits"]) {
  return async (ctx: Context) => {
    const parsed = searchQuery.safeParse(ctx.query);
    if (!parsed.success) throw new BadRequestError(parsed.error.issues.map((i) => i.message).join("; "));
    const args = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    const aborted = new AbortController();
    const onClose = () => aborted.abort();
    ctx.req.on("close", onClose);
    try {
      ctx.body = await searchOperation.run(
        { project, limits, signal: aborted.signal },
        args as z.output<typeof searchOperation.input>,
      );
    } finally {
      ctx.req.off("close", onClose);
    }
  };
}
