import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runServiceToExit } from "../../test/support/service-process.js";

describe("npm run core (main.ts) fails to start with one line that says what to do", () => {
  let dir: string;
  let blocker: Server;
  let busyPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cq-core-main-"));
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("when its port is in use", () => {
    const result = runServiceToExit("app/core/main.ts", dir, {
      PROJECT_PATH: dir,
      API_KEY: "core-main-test-key-0123456789",
      CORE_HOST: "127.0.0.1",
      CORE_PORT: String(busyPort),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `core: could not start: 127.0.0.1:${busyPort} is already in use: is \`make dev\` (or another copy) already running? Stop it, or set CORE_PORT=<a free port>`,
    ]);
  });

  it("when .env holds a misspelt setting", () => {
    writeFileSync(join(dir, ".env"), `PROJCT_PATH=${dir}\nAPI_KEY=core-main-test-key-0123456789\n`);
    const result = runServiceToExit("app/core/main.ts", dir, {});
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "core: .env: not a setting: PROJCT_PATH (did you mean PROJECT_PATH?). Fix or remove it; every setting is listed in .env.example",
    ]);
  });
});
