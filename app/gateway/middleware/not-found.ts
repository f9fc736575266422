import type { Context, Middleware, Next } from "koa";
import { redactPath } from "./log-path.js";

/** Unknown routes and wrong methods answer JSON like every other Gateway error. */
export function jsonNotFound(): Middleware {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    const status = ctx.status;
    let detail: string;
    if (status === 404) detail = `No route for ${ctx.method} ${redactPath(ctx.path)}`;
    else if (status === 405)
      detail = `Method ${ctx.method} is not allowed here; allowed: ${ctx.response.get("Allow")}`;
    else return;
    // Setting the status again marks it explicit, so Koa does not turn it into 200 for the body.
    ctx.status = status;
    ctx.body = { detail };
  };
}
