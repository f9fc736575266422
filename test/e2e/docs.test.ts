/**
 * Keeps the docs from rotting: the README's and the API reference's tested curl examples run
 * against a real Gateway and Core, every `make` target the README names exists, and every
 * relative link in the README and docs/ resolves.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCore, waitUntil, type CoreProcess } from "./support/core-process.js";
import { http, startLocalGateway, type LocalGateway } from "./support/local-gateway.js";
import {
  curlToRequest,
  makeTargets,
  relativeLinks,
  shellWords,
  testedCurlBlocks,
  testedCurlExamples,
} from "./support/markdown.js";

const ROOT = process.cwd();
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const DOC_PAGES = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const EXAMPLE_FILES = ["README.md", "docs/gateway.md"].filter((f) => existsSync(join(ROOT, f)));

describe("markdown helpers", () => {
  it("reads a curl line as the shell would", () => {
    const vars = { GATEWAY: "http://g", API_KEY: "k" };
    expect(
      shellWords(`curl -s "$GATEWAY/x?a=1&b=2" -H "X-API-KEY: $API_KEY" -d '{"a": "$NOT"}' # → 401`, vars),
    ).toEqual(["curl", "-s", "http://g/x?a=1&b=2", "-H", "X-API-KEY: k", "-d", '{"a": "$NOT"}']);
    expect(curlToRequest(`curl -X DELETE $GATEWAY/api-keys/abc -H "X-API-KEY: $API_KEY"`, vars)).toEqual({
      method: "DELETE",
      url: "http://g/api-keys/abc",
      headers: { "x-api-key": "k" },
    });
    expect(() => curlToRequest("curl $UNKNOWN/", vars)).toThrow(/\$UNKNOWN/);
  });

  it("finds make targets only in code", () => {
    expect(makeTargets("make sure you run `make dev`\n```sh\nmake deploy ENV=prod\n```")).toEqual([
      "dev",
      "deploy",
    ]);
  });
});

describe("links and make targets", () => {
  it.each(DOC_PAGES)("every relative link in %s resolves", (page) => {
    const missing = relativeLinks(read(page)).filter(
      (target) => !existsSync(resolve(dirname(join(ROOT, page)), target)),
    );
    expect(missing).toEqual([]);
  });

  it("every make target the README names exists in make help", async () => {
    const { stdout } = await promisify(execFile)("make", ["--no-print-directory", "help"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    const known = new Set([...stdout.matchAll(/^\s{2}([a-z][a-z0-9-]*)\s/gm)].map((m) => m[1]!));
    const named = makeTargets(read("README.md"));
    expect(named).toEqual(expect.arrayContaining(["dev", "test"]));
    expect(named.filter((t) => !known.has(t))).toEqual([]);
  });
});

describe(".env.example", () => {
  it("states the minimum secret lengths the code enforces", async () => {
    const { MIN_API_KEY_LENGTH } = await import("../../app/core/config.js");
    const { MIN_SECRET_LENGTH } = await import("../../app/gateway/secrets/gateway-secret-schema.js");
    const example = read(".env.example");
    const stated = [...example.matchAll(/at least (\d+)( characters)?/g)].map((m) => Number(m[1]));
    expect(stated.length).toBeGreaterThanOrEqual(3);
    expect(new Set(stated)).toEqual(new Set([MIN_API_KEY_LENGTH, MIN_SECRET_LENGTH]));
  });
});

describe("tested curl examples", { timeout: 120_000 }, () => {
  let gw: LocalGateway;
  let core: CoreProcess;
  let project: string;
  const vars: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startLocalGateway();
    project = mkdtempSync(join(tmpdir(), "cq-docs-project-"));
    writeFileSync(join(project, "README.md"), "# Docs test project\nTODO: nothing\n");
    const made = await http(`${gw.url}/api-keys/generate`, {
      method: "POST",
      key: gw.adminKey,
      body: { label: "docs" },
    });
    Object.assign(vars, {
      GATEWAY: gw.url,
      ADMIN_API_KEY: gw.adminKey,
      API_KEY: String(made.body.api_key),
      KEY_ID: String(made.body.key_id),
    });
    core = spawnCore({ projectPath: project, apiKey: vars.API_KEY!, gatewayUrl: gw.url });
    await waitUntil(
      async () => (await http(`${gw.url}/ngrok-urls/self`, { key: vars.API_KEY })).status === 200,
      90_000,
      "Core registration",
    );
  }, 120_000);

  afterAll(async () => {
    await core?.stop();
    await gw?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("the README and the API reference have tested examples", () => {
    expect(testedCurlExamples("README.md", read("README.md")).length).toBeGreaterThanOrEqual(6);
    expect(testedCurlExamples("docs/gateway.md", read("docs/gateway.md")).length).toBeGreaterThanOrEqual(15);
  });

  /**
   * Each tested block runs with its own fresh key, so a block may rotate, revoke or purge it;
   * a block that reads files through the Gateway uses the key the Core registered with. The
   * reference's example key id (k3v9x0a1b2c3) stands for the block's key. Variables: $GATEWAY
   * or $GW, $ADMIN_API_KEY or $ADMIN, $API_KEY or $KEY, $KEY_ID.
   */
  it("every tested example answers as documented", async () => {
    const failures: string[] = [];
    for (const file of EXAMPLE_FILES) {
      for (const block of testedCurlBlocks(file, read(file))) {
        const needsCore = block.some((e) => /\/(files\/|openapi\.json|mcp|ngrok-urls\/self)/.test(e.line));
        let key = vars.API_KEY!;
        if (!needsCore) {
          const made = await http(`${gw.url}/api-keys/generate`, {
            method: "POST",
            key: gw.adminKey,
            body: { label: "docs block" },
          });
          key = String(made.body.api_key);
        }
        const keyId = key.split("_")[1]!;
        const blockVars = {
          ...vars,
          GW: vars.GATEWAY!,
          ADMIN: vars.ADMIN_API_KEY!,
          API_KEY: key,
          KEY: key,
          KEY_ID: keyId,
        };
        for (const example of block) {
          const req = curlToRequest(example.line.replaceAll("k3v9x0a1b2c3", keyId), blockVars);
          const res = await fetch(req.url, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            signal: AbortSignal.timeout(30_000),
          });
          const ok = example.expectStatus
            ? res.status === example.expectStatus
            : res.status >= 200 && res.status < 300;
          if (!ok)
            failures.push(`${file}: ${example.line} → ${res.status} ${(await res.text()).slice(0, 200)}`);
          else await res.arrayBuffer();
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
