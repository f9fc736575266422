import { statSync, type BigIntStats } from "node:fs";

/**
 * Change detection by stat: device, inode, size, mtime and ctime (nanoseconds). A cached answer is
 * trusted only when it was captured clearly after the last modification ("racy git"):
 * file-system timestamps tick coarsely, so a change made in the same tick as the one we saw
 * could leave every field equal. Within that window we re-read instead of trusting the cache.
 */
export const RACY_WINDOW_NS = 50_000_000n;

export interface Signature {
  key: string;
  /** False when the entry changed too recently for an equal signature to prove "unchanged". */
  settled: boolean;
}

export function signatureOf(stats: BigIntStats, capturedAtNs: bigint): Signature {
  const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  const newest = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
  return { key, settled: newest < capturedAtNs - RACY_WINDOW_NS };
}

/** Wall-clock time in nanoseconds, on the same clock as file timestamps. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Follows symlinks; undefined when the path does not exist. */
export function statSignature(path: string, capturedAtNs: bigint = nowNs()): Signature | undefined {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats ? signatureOf(stats, capturedAtNs) : undefined;
}

/** A cached value may be reused when the entry is unchanged and was already settled when cached. */
export function stillValid(cached: Signature | undefined, current: Signature | undefined): boolean {
  return cached !== undefined && current !== undefined && cached.settled && cached.key === current.key;
}
