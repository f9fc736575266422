import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "./errors.js";
import { withFileLock } from "./file-lock.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "cq-lock-"));
  dirs.push(dir);
  return join(dir, "record.json.lock");
}

describe("withFileLock", () => {
  it("runs one holder at a time on the same lock", async () => {
    const path = lockPath();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const first = withFileLock(path, {}, async () => {
      order.push("first in");
      await firstHeld;
      order.push("first out");
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withFileLock(path, {}, async () => void order.push("second"));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(["first in"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first in", "first out", "second"]);
  });

  it("answers StoreUnavailableError when the lock stays held past the timeout", async () => {
    const path = lockPath();
    let releaseHolder!: () => void;
    const holder = withFileLock(path, {}, () => new Promise<void>((resolve) => (releaseHolder = resolve)));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const error = await withFileLock(path, { timeoutMs: 100 }, async () => "ran").catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/busy/);
    releaseHolder();
    await holder;
    await expect(withFileLock(path, {}, async () => "free again")).resolves.toBe("free again");
  });

  it("takes over a stale lock file left by an earlier version (a plain file, not a directory)", async () => {
    const path = lockPath();
    writeFileSync(path, "12345\n");
    const longAgo = (Date.now() - 120_000) / 1000;
    utimesSync(path, longAgo, longAgo);
    await expect(withFileLock(path, {}, async () => "ran")).resolves.toBe("ran");
  });

  it("waits for a fresh lock file of an earlier version, then answers busy", async () => {
    const path = lockPath();
    writeFileSync(path, "12345\n");
    const error = await withFileLock(path, { timeoutMs: 100 }, async () => "ran").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    rmSync(path);
    await expect(withFileLock(path, {}, async () => "ran")).resolves.toBe("ran");
  });
});
