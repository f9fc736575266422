import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runMain } from "../runbooks/lib/run-main.js";
import { runScript } from "../runbooks/lib/run-script.js";
import { isEnvFile, main, scanText } from "./secret-scan.js";

const run = promisify(execFile);

// Fake secrets are assembled at run time so the repository itself stays clean for `--all`.
const chars = (n: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7) % alphabet.length]).join("");
const fake = {
  accessKeyId: "AKI" + "A" + chars(16),
  secretKey: chars(20, "abcdefghijklmnopqrstuvwxyz0123456789+/AB") + chars(20),
  privateKey: "-----BEGIN " + "RSA PRIVATE KEY-----",
  apiKey:
    "cq" + "_abcdefghij12_" + chars(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
  github: "gh" + "p_" + chars(36),
  npm: "np" + "m_" + chars(36),
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const scan = (cwd: string, args: string[]) => runMain(main, args, { cwd });

describe("secret scan rules", () => {
  it("finds an AWS access key id", () => {
    expect(scanText("a.ts", `const id = "${fake.accessKeyId}";`)).toEqual([
      { file: "a.ts", line: 1, kind: "AWS access key id" },
    ]);
  });

  it("finds an AWS secret key next to its name, on the line or the line above", () => {
    expect(scanText("c.ini", `aws_secret_access_key = ${fake.secretKey}`)[0]?.kind).toBe(
      "AWS secret access key",
    );
    expect(scanText("c.yml", `AwsSecretAccessKey:\n  ${fake.secretKey}`)[0]).toMatchObject({ line: 2 });
  });

  it("does not flag a 40-character value with no AWS secret name near it", () => {
    expect(scanText("lock.txt", `commit = ${fake.secretKey}`)).toEqual([]);
  });

  it("finds private keys, CodeQuery API keys, GitHub and npm tokens", () => {
    const text = [
      fake.privateKey,
      `key=${fake.apiKey}`,
      `token: ${fake.github}`,
      `//registry/:_authToken=${fake.npm}`,
    ].join("\n");
    expect(scanText("x", text).map((f) => [f.line, f.kind])).toEqual([
      [1, "private key"],
      [2, "CodeQuery API key"],
      [3, "GitHub token"],
      [4, "npm token"],
    ]);
  });

  it("skips a line carrying the allow marker", () => {
    expect(scanText("t.ts", `const k = "${fake.accessKeyId}"; // secret-scan` + ":allow")).toEqual([]);
  });

  it("treats .env and .env.* as secrets, but not .env.example", () => {
    expect(isEnvFile("a/.env")).toBe(true);
    expect(isEnvFile(".env.production")).toBe(true);
    expect(isEnvFile(".env.example")).toBe(false);
    expect(isEnvFile("env.ts")).toBe(false);
  });
});

describe("secret-scan command", () => {
  function repo(): string {
    const dir = mkdtempSync(join(tmpdir(), "cq-scan-"));
    dirs.push(dir);
    return dir;
  }

  it("exits 1 with file:line and kind, never the secret itself", async () => {
    const dir = repo();
    writeFileSync(join(dir, "config.ini"), `[default]\naws_secret_access_key = ${fake.secretKey}\n`);
    writeFileSync(join(dir, ".env"), "X=1\n");
    const { code, output } = await scan(dir, ["config.ini", ".env", "missing.txt"]);
    expect(code).toBe(1);
    expect(output).toContain("config.ini:2: AWS secret access key");
    expect(output).toContain(".env:0: .env file");
    expect(output).not.toContain(fake.secretKey);
    expect(output).toMatch(/2 possible secret\(s\) in 2 file\(s\)/);
  });

  it("scans every git file with --all and honours the allowlist file", async () => {
    const dir = repo();
    await run("git", ["init", "-q"], { cwd: dir });
    mkdirSync(join(dir, "fixtures"));
    writeFileSync(join(dir, "fixtures", "keys.txt"), `${fake.accessKeyId}\n`);
    writeFileSync(join(dir, "clean.ts"), "export const x = 1;\n");
    expect((await scan(dir, ["--all"])).code).toBe(1);
    writeFileSync(join(dir, ".secret-scan-allow"), "# test fixtures\nfixtures/**\n");
    const { code, output } = await scan(dir, ["--all"]);
    expect(output).toContain("no secrets found in 3 file(s)");
    expect(code).toBe(0);
  });

  it("refuses to run with nothing to scan (as a command)", async () => {
    const { code, output } = await runScript("scripts/secret-scan.ts", [], { cwd: repo() });
    expect(code).toBe(1);
    expect(output).toMatch(/give files to scan, or --all/);
  });
});
