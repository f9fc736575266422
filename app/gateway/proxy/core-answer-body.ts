import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { ServiceUnavailableError } from "../../common/errors.js";
import type { MemoryBudget } from "./memory-budget.js";
import { ResponseTooLargeError } from "./proxy-errors.js";

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
