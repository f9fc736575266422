import { open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { backoffDelay, sleep } from "../../common/backoff.js";
import { StoreUnavailableError } from "./errors.js";

/**
 * Cross-process exclusive lock on one record, for several Gateway processes sharing a DATA_DIR.
 *
 * The lock is a file created with O_EXCL ("wx"): creation is atomic, so one process wins. It
 * holds `{pid, host, time}`. A lock is stale when its owner on this host is dead (kill -9) or it
 * is older than `staleMs` (locks are held for milliseconds). Breaking a stale lock happens under
 * a second O_EXCL "breaker" file and re-checks the lock's content first, so two processes that
 * both saw the same stale lock cannot delete a fresh lock taken in between.
 */
export interface FileLockOptions {
  staleMs?: number;
  /** give up (StoreUnavailableError) after waiting this long */
  timeoutMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  time: number;
}

const HOST = hostname();

export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await acquire(lockPath, options.staleMs ?? 30_000, options.timeoutMs ?? 15_000);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function acquire(lockPath: string, staleMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath)) return;
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      throw new StoreUnavailableError("Key storage is busy (a record lock is held), try again shortly");
    }
    await sleep(1 + backoffDelay(attempt, 2, 50));
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx");
    try {
      const owner: LockOwner = { pid: process.pid, host: HOST, time: Date.now() };
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const seen = await readOwner(lockPath);
  if (seen === undefined || !(await isStale(lockPath, seen, staleMs))) return;
  const breaker = `${lockPath}.break`;
  if (!(await tryCreate(breaker))) {
    // A breaker left by a process killed mid-break would block everyone: it is stale too.
    const breakerOwner = await readOwner(breaker);
    if (breakerOwner !== undefined && (await isStale(breaker, breakerOwner, staleMs))) {
      await unlink(breaker).catch(() => undefined);
    }
    return;
  }
  try {
    const now = await readOwner(lockPath);
    if (now !== undefined && now.raw === seen.raw) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<(Partial<LockOwner> & { raw: string }) | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return { ...(JSON.parse(raw) as Partial<LockOwner>), raw };
  } catch {
    // Killed between create and write: empty or partial content; judged by age alone.
    return { raw };
  }
}

async function isStale(path: string, owner: Partial<LockOwner>, staleMs: number): Promise<boolean> {
  if (owner.host === HOST && typeof owner.pid === "number" && !isAlive(owner.pid)) return true;
  try {
    const info = await stat(path);
    return Date.now() - info.mtimeMs > staleMs;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
