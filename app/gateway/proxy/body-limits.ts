import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { PayloadTooLargeError } from "../../common/errors.js";
import { readRequestBytes } from "../../common/http.js";
import { ResponseTooLargeError } from "./proxy-errors.js";

/** Whether the caller's request carries a body at all (declared length or chunked). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number(length) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/**
 * The caller's request body, at most `limitBytes` (else 413 before anything reaches the Core);
 * `undefined`, without a promise, when there is none. Buffered: request bodies to the Core are
 * small JSON, and a complete body lets the Gateway refuse an oversized one instead of cutting it
 * off mid-way.
 */
export function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> | undefined {
  if (!hasBody(req)) return undefined;
  const tooLarge = () =>
    new PayloadTooLargeError(`Request body is larger than the Gateway's limit of ${limitBytes} bytes`);
  if (Number(req.headers["content-length"] ?? 0) > limitBytes) return Promise.reject(tooLarge());
  return readRequestBytes(req, limitBytes, tooLarge);
}

/**
 * A pass-through that fails with `ResponseTooLargeError` once more than `limitBytes` went
 * through: streamed responses (server-sent events) are relayed as they arrive, capped in total.
 */
export function byteLimit(limitBytes: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limitBytes) callback(new ResponseTooLargeError(limitBytes));
      else callback(null, chunk);
    },
  });
}
