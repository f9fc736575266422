import { describe, expect, it } from "vitest";
import { ContentCache } from "./content-cache.js";

const MIB = 1024 * 1024;
const signature = { ino: 1, size: 0, mtimeMs: 0, ctimeMs: 0 };

/** Reads `text` into the cache's room as a file load does, and keeps it. */
function put(cache: ContentCache, rel: string, text: string) {
  const bytes = Buffer.from(text);
  const room = cache.room(bytes.length);
  bytes.copy(room.buf);
  cache.keep(rel, { ...signature, size: bytes.length }, room, room.buf.subarray(0, bytes.length));
}

describe("the search workers' content cache", () => {
  it("keeps files while there is room and returns their bytes", () => {
    const cache = new ContentCache(8 * MIB);
    put(cache, "a.txt", "alpha\n");
    put(cache, "b.txt", "beta\n");
    expect(cache.get("a.txt")?.bytes?.toString()).toBe("alpha\n");
    expect(cache.get("b.txt")?.bytes?.toString()).toBe("beta\n");
  });

  it("stops keeping files once the budget is held, without pushing out the ones it has", () => {
    const cache = new ContentCache(8 * MIB);
    const big = "x".repeat(MIB);
    for (let i = 0; i < 12; i++) put(cache, `f${i}.txt`, big);
    const kept = Array.from({ length: 12 }, (_, i) => cache.get(`f${i}.txt`) !== undefined);
    // Two 4 MiB slabs of four 1 MiB files each: the first eight stay, the rest are not kept.
    expect(kept).toEqual([true, true, true, true, true, true, true, true, false, false, false, false]);
    expect(cache.get("f0.txt")?.bytes?.toString()).toBe(big);
  });

  it("does not keep a file larger than a quarter of the budget", () => {
    const cache = new ContentCache(8 * MIB);
    put(cache, "huge.txt", "y".repeat(3 * MIB));
    expect(cache.get("huge.txt")).toBeUndefined();
    // Such a file never fits; the cache is not full because of it.
    expect(cache.full).toBe(false);
  });

  it("says it is full once a file finds no room, until an entry goes", () => {
    const cache = new ContentCache(8 * MIB);
    const big = "x".repeat(MIB);
    for (let i = 0; i < 8; i++) put(cache, `f${i}.txt`, big);
    expect(cache.full).toBe(false);
    put(cache, "f8.txt", big);
    expect(cache.get("f8.txt")).toBeUndefined();
    expect(cache.full).toBe(true);
    cache.retainOnly(["f1.txt", "f2.txt"]);
    expect(cache.full).toBe(false);
    // A cache that is off is full from the start: filling it would only read and drop files.
    const off = new ContentCache(0);
    expect(off.room(10).slab).toBeUndefined();
    expect(off.full).toBe(true);
  });

  it("forgets files that left the listing, and their space is used again", () => {
    const cache = new ContentCache(8 * MIB);
    const big = "z".repeat(MIB);
    for (let i = 0; i < 9; i++) put(cache, `f${i}.txt`, big);
    expect(cache.get("f8.txt")).toBeUndefined();
    cache.retainOnly(["f7.txt", "f8.txt"]);
    expect(cache.get("f0.txt")).toBeUndefined();
    put(cache, "f8.txt", big);
    expect(cache.get("f7.txt")?.bytes?.toString()).toBe(big);
    expect(cache.get("f8.txt")?.bytes?.toString()).toBe(big);
  });

  it("keeps nothing with a budget of zero, yet gives room to read into", () => {
    const cache = new ContentCache(0);
    put(cache, "a.txt", "alpha\n");
    expect(cache.get("a.txt")).toBeUndefined();
  });
});
