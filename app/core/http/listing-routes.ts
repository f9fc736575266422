import type { Context } from "koa";
import { z } from "zod";
import { BadRequestError } from "../../common/errors.js";
import { MAX_LIST_LIMIT } from "../project/file-listing.js";
import { MAX_STRUCTURE_DEPTH } from "../project/structure-listing.js";
import { listFilesOperation } from "../operations/list-files.js";
import { listStructure } from "../operations/list-structure.js";
import type { CoreOperation, OperationContext } from "../operations/operation.js";

const once = (name: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be given once`),
  });

const wholeNumber = (name: string, max: number) =>
  once(name)
    .regex(/^\d{1,9}$/, { error: `${name} must be a whole number from 1 to ${max}` })
    .transform(Number);

const structureQuery = z.object({
  path: once("path").optional(),
  depth: wholeNumber("depth", MAX_STRUCTURE_DEPTH).optional(),
});

const filesQuery = z.object({
  path: once("path").optional(),
  glob: once("glob").optional(),
  cursor: once("cursor").optional(),
  limit: wholeNumber("limit", MAX_LIST_LIMIT).optional(),
});

/** Query string → the operation's input (types converted, absent values left out), or a 400 naming what is wrong. */
function parseQuery<I extends z.ZodObject>(
  query: Context["query"],
  shape: z.ZodObject,
  operation: CoreOperation<I>,
): z.output<I> {
  const fromQuery = shape.safeParse(query);
  const candidate = fromQuery.success
    ? Object.fromEntries(Object.entries(fromQuery.data).filter(([, value]) => value !== undefined))
    : undefined;
  const parsed = candidate ? operation.input.safeParse(candidate) : fromQuery;
  if (!parsed.success) throw new BadRequestError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data as z.output<I>;
}

/**
 * GET /files/structure?path=&depth=. The serialised whole-tree answer (no parameters) is reused
 * while the tree is unchanged: the listing hands back the same answer object then.
 */
export function structureHandler(context: OperationContext) {
  let last: { answer: unknown; json: string } | undefined;
  return async (ctx: Context) => {
    const args = parseQuery(ctx.query, structureQuery, listStructure);
    const answer = await listStructure.run(context, args);
    let json: string;
    if (args.path === undefined && args.depth === undefined) {
      if (last?.answer !== answer) last = { answer, json: JSON.stringify(answer) };
      json = last.json;
    } else {
      json = JSON.stringify(answer);
    }
    ctx.type = "application/json";
    ctx.body = json;
  };
}

/** GET /files/list?path=&glob=&cursor=&limit= */
export function listFilesHandler(context: OperationContext) {
  return async (ctx: Context) => {
    const args = parseQuery(ctx.query, filesQuery, listFilesOperation);
    ctx.body = await listFilesOperation.run(context, args);
  };
}
