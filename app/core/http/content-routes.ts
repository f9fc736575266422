import type { Context } from "koa";
import type { z } from "zod";
import { BadRequestError } from "../../common/errors.js";
import { readJsonBody } from "../../common/http.js";
import type { CoreConfig } from "../config.js";
import { fileInfoOperation } from "../operations/file-info.js";
import { describeIssues } from "../operations/input-errors.js";
import type { CoreOperation, OperationContext } from "../operations/operation.js";
import { readFilesOperation } from "../operations/read-files.js";
import type { Project } from "../project/project.js";

type Limits = CoreConfig["limits"];

/** Parses raw arguments into an operation's input, or a 400 naming every bad field. */
function parseInput<I extends z.ZodObject>(
  operation: CoreOperation<I>,
  raw: unknown,
  rename?: (field: string) => string,
): z.output<I> {
  const parsed = operation.input.safeParse(raw);
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error.issues, rename));
  return parsed.data;
}

const context = (project: Project, limits: Limits): OperationContext => ({ project, limits });

/** POST /files/content with `{"file_paths": ["a.ts", {"path": "b.ts", "start_line": 10, "end_line": 20}]}`. */
export function postContentHandler(project: Project, limits: Limits) {
  return async (ctx: Context) => {
    const body = await readJsonBody(ctx, limits.maxBodyBytes);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new BadRequestError('Request body must be a JSON object like {"file_paths": ["src/index.ts"]}');
    }
    // Only file_paths is read: earlier clients may send other fields, which were always ignored.
    const args = parseInput(readFilesOperation, {
      file_paths: (body as { file_paths?: unknown }).file_paths,
    });
    ctx.body = await readFilesOperation.run(context(project, limits), args);
  };
}

/** One query parameter given at most once; a number when it reads as one (so the schema can say what is wrong with it). */
function queryValue(ctx: Context, name: string, numeric = false): unknown {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw new BadRequestError(`${name} must be given once`);
  if (value === undefined || !numeric) return value;
  return /^[+-]?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** GET /files/content?path=...&start_line=...&end_line=...: one file, as an entry of the POST answer. */
export function getContentHandler(project: Project, limits: Limits) {
  return async (ctx: Context) => {
    const path = queryValue(ctx, "path");
    if (path === undefined)
      throw new BadRequestError("path is required: a file path relative to the project root");
    const request: Record<string, unknown> = { path };
    for (const field of ["start_line", "end_line"]) {
      const value = queryValue(ctx, field, true);
      if (value !== undefined) request[field] = value;
    }
    const args = parseInput(readFilesOperation, { file_paths: [request] }, (f) =>
      f.replace(/^file_paths\[0\]\.?/, ""),
    );
    ctx.body = await readFilesOperation.run(context(project, limits), args);
  };
}

/** GET /files/info?path=a&path=b: size, lines, modification time, binary or text, per path. */
export function fileInfoHandler(project: Project, limits: Limits) {
  return async (ctx: Context) => {
    const raw = ctx.query.path;
    if (raw === undefined)
      throw new BadRequestError("path is required: one or more file paths (path=a&path=b)");
    const paths = Array.isArray(raw) ? raw : [raw];
    const args = parseInput(fileInfoOperation, { paths }, (f) => f.replace(/^paths/, "path"));
    ctx.body = await fileInfoOperation.run(context(project, limits), args);
  };
}
