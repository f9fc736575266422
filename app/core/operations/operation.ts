import type { z } from "zod";
import type { CoreConfig } from "../config.js";
import type { Project } from "../project/project.js";

/** What every operation may use: the project (knows nothing of HTTP or MCP) and the limits. */
export interface OperationContext {
  project: Project;
  limits: CoreConfig["limits"];
  /** Aborted when the caller goes away (HTTP close, MCP cancellation). */
  signal?: AbortSignal;
}

/**
 * One thing the Core can do for an assistant, defined once and served twice: as an HTTP route
 * (which turns its query string or body into `input`) and as an MCP tool of the same name (whose
 * arguments are `input`). Same arguments, same rules, same budgets on both sides.
 *
 * - `input` is a strict zod object: unknown or ill-typed arguments are refused, naming the argument.
 * - `output` describes the structured result (the MCP tool's `outputSchema`).
 * - `run` throws `AppError`s (400 for bad arguments, 404 ...) that both sides map to their
 *   error shape (HTTP status + body; MCP tool error result).
 */
export interface CoreOperation<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  /** The MCP tool name (snake_case), e.g. `list_files`. */
  name: string;
  title: string;
  /** Written for a model: what it returns and when to use it. */
  description: string;
  input: I;
  output: O;
  run(context: OperationContext, args: z.output<I>): Promise<z.output<O>>;
}

/** Keeps the generic types of one operation while collecting several in a list. */
export function defineOperation<I extends z.ZodObject, O extends z.ZodType>(
  operation: CoreOperation<I, O>,
): CoreOperation<I, O> {
  return operation;
}
