import { lstat, unlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { StoreUnavailableError } from "./errors.js";

/**
 * Cross-process exclusive lock on one record, for several Gateway processes sharing a DATA_DIR:
 * proper-lockfile's lock, a directory made with mkdir (atomic, so one process wins) whose mtime
 * its holder refreshes while it holds it. A lock whose mtime is older than `staleMs` belongs to
 * a process that died (kill -9) or hung, and is taken over.
 */
export interface FileLockOptions {
  /** a lock not refreshed for this long is stale (default 30 s; proper-lockfile's minimum is 2 s) */
  staleMs?: number;
  /** give up (StoreUnavailableError) after waiting this long (up to twice, see RETRY_PAUSE_MS) */
  timeoutMs?: number;
}

/** Pause between two tries to take a held lock, randomised up to twice this (locks are held for ms). */
const RETRY_PAUSE_MS = 5;

export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  await clearEarlierLockFile(lockPath, staleMs, timeoutMs);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false, // the record itself may not exist yet
      stale: staleMs,
      // Enough tries to wait `timeoutMs`; randomised pauses (up to twice that in all) keep
      // processes that met on a lock from retrying in lockstep.
      retries: {
        retries: Math.ceil(timeoutMs / RETRY_PAUSE_MS),
        factor: 1,
        minTimeout: RETRY_PAUSE_MS,
        maxTimeout: RETRY_PAUSE_MS,
        randomize: true,
      },
      // The default throws from a timer (a crash) when another process took over a lock this
      // one held past `staleMs` (a stalled event loop); the write under it finishes regardless,
      // as it would under a lock broken for age.
      onCompromised: () => undefined,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") throw busy();
    throw err;
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

const busy = () =>
  new StoreUnavailableError("Key storage is busy (a record lock is held), try again shortly");

/**
 * Versions before proper-lockfile locked a record with a plain file (made with O_EXCL) at the same
 * path, which proper-lockfile cannot take over. One left by a crash before an upgrade is removed
 * once it is stale, as that version would have; a fresh one (that version still running, during
 * a rolling upgrade) is waited for, up to the timeout.
 */
async function clearEarlierLockFile(lockPath: string, staleMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await lstat(lockPath).catch(() => undefined);
    if (!stats?.isFile()) return;
    if (Date.now() - stats.mtimeMs > staleMs) {
      // Another process may have removed it first: ENOENT (or EISDIR, its new lock) is fine.
      await unlink(lockPath).catch(() => undefined);
      return;
    }
    if (Date.now() >= deadline) throw busy();
    await sleep(RETRY_PAUSE_MS * (1 + Math.random()));
  }
}
