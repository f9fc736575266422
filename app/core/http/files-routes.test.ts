import { describe, expect, it } from "vitest";
import { coreForEachTest } from "../testing/start-core.js";

const cores = coreForEachTest();
const start = cores.start;

describe("GET /", () => {
  it("answers health without credentials", async () => {
    const core = await start({});
    const res = await fetch(`${core.url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", service: "codequery-core" });
  });
});

describe("GET /files/structure", () => {
  it("answers the structure in the earlier shape", async () => {
    const core = await start({ "a.txt": "a", "src/b.ts": "b", ".env": "SECRET=1" });
    const res = await core.call("/files/structure");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ".": { directories: ["src"], files: ["a.txt"] },
      src: { directories: [], files: ["b.ts"] },
    });
  });
});

describe("unknown routes", () => {
  it("answer 404 with an error body", async () => {
    const core = await start({});
    const res = await core.call("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "No route for GET /nope" });
  });
});
