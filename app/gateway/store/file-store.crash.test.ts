import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileRecordStore } from "./file-store.js";
import { childExited, startStoreWriter, stopStoreWriters } from "./testing/store-writer.js";

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cq-crash-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await stopStoreWriters();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("FileRecordStore under kill -9 and several processes", () => {
  it("keeps every acknowledged write and no partial record when the writer is killed mid-write", async () => {
    const dir = tempDir();
    const acknowledgedKeys: string[] = [];
    let acknowledgedCounter = 0;
    for (let round = 0; round < 3; round++) {
      const { child, lines } = startStoreWriter(dir, ["loop"]);
      // Kill after a varying number of acknowledgements, while the writer is busy writing.
      const killAfter = 40 + round * 17;
      const record = (line: string) => {
        const [, kind, what] = line.split(" ");
        if (kind === "keys") acknowledgedKeys.push(what!);
        else acknowledgedCounter = Number(what);
      };
      for (let seen = 0; seen < killAfter; seen++) {
        const { value, done } = await lines.next();
        if (done) throw new Error("writer exited early");
        record(value);
      }
      child.kill("SIGKILL");
      await childExited(child);
      // Acknowledgements printed before the kill but not read yet count too.
      for (let next = await lines.next(); !next.done; next = await lines.next()) record(next.value);
    }

    const store = new FileRecordStore({ dir, lock: { staleMs: 2_000 } });
    for (const id of acknowledgedKeys)
      expect((await store.get<{ id: string }>("keys", id))?.value.id).toBe(id);
    const counter = (await store.get<{ n: number }>("usage", "counter"))!.value.n;
    // At most the one write in flight at the kill may have landed without its acknowledgement.
    expect(counter).toBeGreaterThanOrEqual(acknowledgedCounter);
    expect(counter).toBeLessThanOrEqual(acknowledgedCounter + 1);
    for (const kind of ["keys", "usage"]) {
      for (const name of readdirSync(join(dir, kind)).filter((n) => n.endsWith(".json"))) {
        expect(() => JSON.parse(readFileSync(join(dir, kind, name), "utf8")), name).not.toThrow();
      }
    }
    const listed = await store.list("keys");
    expect(listed.length).toBeGreaterThanOrEqual(acknowledgedKeys.length);
    // A lock left by the killed writer is broken, so the record stays writable.
    await store.put(
      "usage",
      "counter",
      { schema: 1, n: counter + 1 },
      { ifMatch: (await store.get("usage", "counter"))!.etag },
    );
  }, 120_000);

  it("loses no update when two processes increment the same record concurrently", async () => {
    const dir = tempDir();
    const perProcess = 25;
    const writers = [
      startStoreWriter(dir, ["increment", String(perProcess)]),
      startStoreWriter(dir, ["increment", String(perProcess)]),
    ];
    for (const { lines } of writers) expect((await lines.next()).value).toBe("done");
    const store = new FileRecordStore({ dir });
    expect((await store.get<{ n: number }>("usage", "counter"))!.value.n).toBe(2 * perProcess);
  }, 120_000);
});
