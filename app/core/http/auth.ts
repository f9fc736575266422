import type { Context, Middleware, Next } from "koa";
import { UnauthorizedError } from "../../common/errors.js";
import type { CoreCredentials } from "../credentials.js";

/** Requires `X-API-KEY: <API_KEY>` or `Authorization: Bearer <registration token>`. */
export function requireAuth(credentials: CoreCredentials): Middleware {
  return async (ctx: Context, next: Next) => {
    const apiKey = ctx.get("x-api-key");
    const authorization = ctx.get("authorization");
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (apiKey !== "" && credentials.isValidApiKey(apiKey)) return next();
    if (bearer !== undefined && credentials.isValidBearer(bearer)) return next();
    throw new UnauthorizedError(
      apiKey === "" && bearer === undefined
        ? "Missing credentials: send the X-API-KEY header"
        : "Invalid API Key",
    );
  };
}
