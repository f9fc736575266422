import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Context } from "koa";
import { byteLimit } from "./body-limits.js";
import { headersForCaller } from "./headers.js";
import { StreamCutError } from "./proxy-errors.js";

/** Server-sent events (MCP answers with them): relayed as they arrive instead of buffered. */
export function isEventStream(headers: IncomingHttpHeaders): boolean {
  return /^text\/event-stream\b/i.test(String(headers["content-type"] ?? ""));
}

/** Relays a streamed body (server-sent events) as it arrives, within the size cap. */
export function relayEventStream(
  ctx: Context,
  status: number,
  coreHeaders: IncomingHttpHeaders,
  coreBody: Readable,
  limitBytes: number,
  onFailure: (err: unknown) => void,
) {
  const relay = byteLimit(limitBytes);
  let settled = false;
  // A failure mid-stream destroys the relay; Koa then drops the caller's connection, which is
  // the only honest signal once the status line has gone out.
  const fail = (err: unknown) => {
    if (settled) return;
    settled = true;
    onFailure(err);
    if (!relay.destroyed) relay.destroy(new StreamCutError(err));
    coreBody.destroy();
  };
  coreBody.on("error", fail);
  relay.on("error", (err) => {
    if (!(err instanceof StreamCutError)) fail(err); // the size cap, raised inside the relay
  });
  relay.on("close", () => {
    settled = true; // finished, or the caller went away (Koa destroys the body then)
    coreBody.destroy();
  });
  coreBody.pipe(relay);
  ctx.status = status;
  for (const [name, value] of Object.entries(headersForCaller(coreHeaders))) ctx.set(name, value);
  ctx.body = relay;
}
