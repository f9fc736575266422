import type { IncomingMessage, ServerResponse } from "node:http";
import compression from "compression";
import type { Middleware } from "koa";

/** Answers smaller than this go out as they are: compressing them saves nothing worth the CPU. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * gzip or br, as the client's Accept-Encoding prefers, for every answer of 1 KB and more. It works
 * on the Node response itself (the `compression` package wraps its write/end), so it also covers
 * handlers that write the response without Koa — the MCP endpoint, whose SDK writes JSON straight
 * to it. An event stream is left alone: compressing it would hold events back until a buffer fills.
 */
export function compressAnswers(): Middleware {
  const compress = compression({
    threshold: COMPRESSION_THRESHOLD_BYTES,
    filter: (req, res) => {
      const type = String(res.getHeader("Content-Type") ?? "");
      if (type.startsWith("text/event-stream")) return false;
      return compression.filter(req, res);
    },
  }) as unknown as NodeMiddleware;
  return async (ctx, next) => {
    await new Promise<void>((resolve, reject) =>
      compress(ctx.req, ctx.res, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      ),
    );
    await next();
  };
}
