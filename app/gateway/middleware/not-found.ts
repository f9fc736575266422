import type { Context, Middleware, Next } from "koa";
import { sendProblem } from "../../common/problem-details.js";
import { redactApiKeys } from "../keys/key-format.js";

/**
 * Unknown routes answer a problem body naming the route (API keys in the path redacted); wrong
 * methods get theirs from the error middleware.
 */
export function jsonNotFound(): Middleware {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 404) sendProblem(ctx, 404, `No route for ${ctx.method} ${redactApiKeys(ctx.path)}`);
  };
}
