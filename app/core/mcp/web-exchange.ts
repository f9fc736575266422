import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Context } from "koa";

/** Headers about the connection or the body's framing: the web Request and Response set their own. */
const NOT_COPIED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "expect",
]);

/**
 * The Koa request as a web `Request` (the SDK's serving face), with the body already read and
 * a signal that aborts when the caller goes away.
 */
export function toWebRequest(ctx: Context, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (value === undefined || NOT_COPIED.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const aborted = new AbortController();
  ctx.res.once("close", () => {
    if (!ctx.res.writableFinished) aborted.abort();
  });
  return new Request(`${ctx.protocol}://${ctx.host}${ctx.originalUrl}`, {
    method: ctx.method,
    headers,
    body: ctx.method === "GET" || ctx.method === "HEAD" ? null : new Uint8Array(body),
    signal: aborted.signal,
  });
}

/** Writes a web `Response` to the Koa response, streaming its body; Koa steps aside. */
export async function sendWebResponse(ctx: Context, response: Response): Promise<void> {
  // For the request log; the SDK uses 499 (not a status Koa knows) when the caller went away.
  if (STATUS_CODES[response.status]) ctx.status = response.status;
  ctx.respond = false;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  ctx.res.writeHead(response.status, headers);
  if (response.body === null) {
    ctx.res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), ctx.res).catch(() => {
    // The caller went away mid-answer: nothing left to tell it.
  });
}
