import { sleep } from "../../app/common/backoff.js";

/**
 * Calls `read` until `done(value)` or the deadline; bounded, with a growing pause (capped at
 * `maxDelayMs`). Resolves to the last value read and whether the condition was met.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs: number; initialDelayMs?: number; maxDelayMs?: number },
): Promise<{ ok: boolean; value: T }> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 200;
  for (;;) {
    const value = await read();
    if (done(value)) return { ok: true, value };
    if (Date.now() + delay > deadline) return { ok: false, value };
    await sleep(delay);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 5_000);
  }
}
