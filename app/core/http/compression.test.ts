import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { coreForEachTest, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";

const cores = coreForEachTest();

function start(): Promise<RunningCore> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) files[`module-${i}/index-${i}.ts`] = `export const n${i} = ${i};\n`;
  return cores.start(files);
}

interface RawAnswer {
  status: number;
  encoding: string | undefined;
  vary: string | undefined;
  body: Buffer;
}

/** A real HTTP exchange with the body as it came over the wire (fetch would decode it). */
function exchange(
  core: RunningCore,
  path: string,
  headers: Record<string, string>,
  init: { method?: string; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${core.url}${path}`,
      { method: init.method ?? "GET", headers: { "X-API-KEY": TEST_API_KEY, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            encoding: res.headers["content-encoding"],
            vary: res.headers.vary,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

const decoders: Record<string, (body: Buffer) => Buffer> = { gzip: gunzipSync, br: brotliDecompressSync };

describe("answer compression", () => {
  it.each(["gzip", "br"])(
    "compresses an answer over 1 KB with %s when the client accepts it",
    async (encoding) => {
      const core = await start();
      const plain = await exchange(core, "/files/structure", { "Accept-Encoding": "identity" });
      expect(plain.encoding).toBeUndefined();
      expect(plain.body.length).toBeGreaterThan(1024);
      const packed = await exchange(core, "/files/structure", { "Accept-Encoding": encoding });
      expect(packed.status).toBe(200);
      expect(packed.encoding).toBe(encoding);
      expect(packed.vary).toContain("Accept-Encoding");
      expect(packed.body.length).toBeLessThan(plain.body.length / 3);
      expect(decoders[encoding]!(packed.body).toString("utf8")).toBe(plain.body.toString("utf8"));
    },
  );

  it("picks one of the encodings the client lists", async () => {
    const core = await start();
    const packed = await exchange(core, "/files/list", { "Accept-Encoding": "gzip, deflate, br" });
    expect(["gzip", "br"]).toContain(packed.encoding);
  });

  it("leaves answers under 1 KB as they are", async () => {
    const core = await start();
    const small = await exchange(core, "/", { "Accept-Encoding": "gzip, br" });
    expect(small.encoding).toBeUndefined();
    expect(JSON.parse(small.body.toString("utf8"))).toEqual({ status: "ok", service: "codequery-core" });
  });

  it("sends nothing compressed to a client that does not ask", async () => {
    const core = await start();
    const plain = await exchange(core, "/files/structure", {});
    expect(plain.encoding).toBeUndefined();
  });

  it("compresses the MCP endpoint's JSON answers too", async () => {
    const core = await start();
    const mcp = (encoding: string) =>
      exchange(
        core,
        "/mcp",
        {
          "Accept-Encoding": encoding,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        {
          method: "POST",
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "list_structure", arguments: {} },
          }),
        },
      );
    const plain = await mcp("identity");
    const packed = await mcp("gzip");
    expect(packed.status).toBe(200);
    expect(plain.encoding).toBeUndefined();
    expect(packed.encoding).toBe("gzip");
    expect(gunzipSync(packed.body).toString("utf8")).toBe(plain.body.toString("utf8"));
  });
});
