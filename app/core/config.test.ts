import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../common/config.js";
import { loadCoreConfig } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "cq-core-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = "0123456789abcdef";

function message(env: Record<string, string>): string {
  try {
    loadCoreConfig(env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("Core configuration", () => {
  it("applies the documented defaults", () => {
    const config = loadCoreConfig({ API_KEY: KEY }, dir);
    expect(config).toMatchObject({
      projectPath: dir,
      host: "127.0.0.1",
      port: 5001,
      ignoreFileNames: [".agentignore", ".gitignore"],
      tunnel: { kind: "none" },
      treeWatch: "auto",
      limits: {
        maxFileBytes: 1048576,
        maxFilesPerRequest: 100,
        maxRequestBytes: 8388608,
        maxBodyBytes: 65536,
      },
    });
    expect(config.gatewayUrl).toBeUndefined();
  });

  it("accepts TREE_WATCH=off and refuses anything but auto or off", () => {
    expect(loadCoreConfig({ API_KEY: KEY, TREE_WATCH: "off" }, dir).treeWatch).toBe("off");
    expect(message({ API_KEY: KEY, TREE_WATCH: "inotify" })).toMatch(/TREE_WATCH: expected auto or off/);
  });

  it("takes SEARCH_RIPGREP as auto, off or the absolute path of an executable", () => {
    expect(loadCoreConfig({ API_KEY: KEY }, dir).search.ripgrep).toBe("auto");
    expect(loadCoreConfig({ API_KEY: KEY, SEARCH_RIPGREP: "off" }, dir).search.ripgrep).toBe("off");
    expect(loadCoreConfig({ API_KEY: KEY, SEARCH_RIPGREP: "/bin/sh" }, dir).search.ripgrep).toBe("/bin/sh");
    expect(message({ API_KEY: KEY, SEARCH_RIPGREP: "rg" })).toMatch(
      /SEARCH_RIPGREP: expected auto, off or an absolute path, got "rg"/,
    );
    const notExecutable = join(dir, "rg-copy");
    writeFileSync(notExecutable, "");
    for (const path of [notExecutable, join(dir, "missing-rg"), dir])
      expect(message({ API_KEY: KEY, SEARCH_RIPGREP: path })).toContain(
        `SEARCH_RIPGREP: "${path}" is not an executable file`,
      );
  });

  it("requires API_KEY, naming the variable", () => {
    expect(message({})).toMatch(/API_KEY: is required/);
  });

  it("refuses a short API_KEY", () => {
    expect(message({ API_KEY: "short" })).toMatch(/API_KEY: must be at least 16 characters/);
  });

  it("refuses a PROJECT_PATH that does not exist or is a file", () => {
    writeFileSync(join(dir, "file.txt"), "x");
    expect(message({ API_KEY: KEY, PROJECT_PATH: "nope" })).toMatch(/PROJECT_PATH: ".*nope" does not exist/);
    expect(message({ API_KEY: KEY, PROJECT_PATH: "file.txt" })).toMatch(
      /PROJECT_PATH: ".*file.txt" is not a directory/,
    );
  });

  it("requires NGROK_AUTHTOKEN when TUNNEL=ngrok", () => {
    expect(message({ API_KEY: KEY, TUNNEL: "ngrok" })).toMatch(
      /NGROK_AUTHTOKEN: is required when TUNNEL=ngrok/,
    );
  });

  it("refuses an unknown TUNNEL, a bad port and a bad URL in one message", () => {
    const text = message({ API_KEY: KEY, TUNNEL: "frp", CORE_PORT: "99999", GATEWAY_URL: "ftp://x" });
    expect(text).toMatch(/TUNNEL: expected none or ngrok/);
    expect(text).toMatch(/CORE_PORT: expected a whole number/);
    expect(text).toMatch(/GATEWAY_URL: expected an http\(s\) URL/);
  });

  it("reads ngrok, gateway and limit settings", () => {
    const config = loadCoreConfig(
      {
        API_KEY: KEY,
        TUNNEL: "ngrok",
        NGROK_AUTHTOKEN: "tok",
        NGROK_DOMAIN: "me.ngrok.app",
        GATEWAY_URL: "https://gw.example.com/",
        MAX_FILE_BYTES: "2048",
        AGENTIGNORE_FILES: ".agentignore",
      },
      dir,
    );
    expect(config.tunnel).toEqual({ kind: "ngrok", authtoken: "tok", domain: "me.ngrok.app" });
    expect(config.gatewayUrl).toBe("https://gw.example.com");
    expect(config.limits.maxFileBytes).toBe(2048);
    expect(config.ignoreFileNames).toEqual([".agentignore"]);
  });
});
