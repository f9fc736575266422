import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { ServiceUnavailableError } from "../../common/errors.js";
import type { MemoryBudget } from "./memory-budget.js";
import { ResponseTooLargeError } from "./proxy-errors.js";

/** The first bytes of a Core answer, read before deciding between buffering and streaming. */
export interface Head {
  chunks: Buffer[];
  size: number;
  /** true: that was the whole body; false: more follows (stream the rest) */
  complete: boolean;
  /** bytes taken from the memory budget, given back when the exchange ends */
  reserved: number;
}

/**
 * Reads the answer until it ends (then it is buffered and sent whole, with its length, and an
 * oversized one is refused with a clean 502) or until `limitBytes` or the memory budget is
 * reached (then the body is left paused, and the caller gets these bytes and the rest as a
 * stream). Answers are short JSON almost always: the first case is the hot path.
 */
export function readHead(body: Readable, limitBytes: number, budget: MemoryBudget): Promise<Head> {
  return new Promise((resolve, reject) => {
    const head: Head = { chunks: [], size: 0, complete: false, reserved: 0 };
    const finish = (complete: boolean) => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      head.complete = complete;
      resolve(head);
    };
    const onData = (chunk: Buffer) => {
      head.chunks.push(chunk);
      head.size += chunk.length;
      if (budget.tryTake(chunk.length)) head.reserved += chunk.length;
      else {
        body.pause();
        finish(false);
        return;
      }
      if (head.size > limitBytes) {
        body.pause();
        finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      body.off("data", onData);
      body.off("end", onEnd);
      budget.give(head.reserved);
      reject(err);
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
  });
}

export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers["content-length"];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Reads a whole body into memory, each chunk taken from the shared budget first (503 past it). */
export async function bufferWithinBudget(
  body: Readable,
  limitBytes: number,
  budget: MemoryBudget,
  exchange: { onEnd(release: () => void): void },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = (chunk as Buffer).length;
      size += bytes;
      if (size > limitBytes) throw new ResponseTooLargeError(limitBytes);
      if (!budget.tryTake(bytes)) {
        size -= bytes;
        throw new ServiceUnavailableError("The Gateway is short of memory for this answer; retry shortly", {
          "Retry-After": "1",
        });
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, size);
  } catch (err) {
    discard(body);
    throw err;
  } finally {
    const held = size;
    // The concatenated copy is short-lived: the rewrite turns it into the answer at once.
    exchange.onEnd(() => budget.give(held));
  }
}

/** Drops a body the caller will not get; the connection closes rather than read it all. */
export function discard(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}
