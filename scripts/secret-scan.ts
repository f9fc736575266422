#!/usr/bin/env -S npx tsx
/**
 * Secret scan: blocks commits (lint-staged) and CI trees that contain credentials. Reports
 * `file:line: kind` and never prints the secret itself.
 *
 *   npx tsx scripts/secret-scan.ts FILE...   scan the given files (lint-staged passes the staged ones)
 *   npx tsx scripts/secret-scan.ts --all     scan every file git knows (tracked + untracked, not ignored)
 *
 * A test fixture that must contain a fake secret: put `secret-scan:allow` on its line, or list the
 * file (a picomatch glob per line) in `.secret-scan-allow` at the repository root.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { RunbookError, runCli } from "../runbooks/lib/cli.js";
import { runIfEntryPoint, type ScriptMain } from "../runbooks/lib/script-io.js";

export interface Finding {
  file: string;
  line: number;
  kind: string;
}

interface Rule {
  kind: string;
  pattern: RegExp;
  /** the line must also match this (e.g. the variable name near a bare 40-char value) */
  near?: RegExp;
}

const ALLOW_MARKER = "secret-scan:allow";
const MAX_BYTES = 5 * 1024 * 1024;

const RULES: Rule[] = [
  { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/ },
  {
    kind: "AWS secret access key",
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/,
    near: /aws.{0,20}secret|secret.{0,3}access.{0,3}key/i,
  },
  { kind: "private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "CodeQuery API key", pattern: /\bcq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  {
    kind: "GitHub token",
    pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,255}\b/,
  },
  { kind: "npm token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
];

/** `.env` and `.env.*` files hold real settings; only the template may be committed. */
export function isEnvFile(path: string): boolean {
  const name = basename(path);
  return (name === ".env" || name.startsWith(".env.")) && name !== ".env.example";
}

export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.includes(ALLOW_MARKER)) return;
    const previous = index > 0 ? lines[index - 1]! : "";
    for (const rule of RULES) {
      if (!rule.pattern.test(line)) continue;
      // A secret's name may sit on the line above its value (YAML, INI sections).
      if (rule.near && !rule.near.test(line) && !rule.near.test(previous)) continue;
      findings.push({ file, line: index + 1, kind: rule.kind });
    }
  });
  return findings;
}

export function scanFile(path: string, root: string): Finding[] {
  const file = relative(root, resolve(path)) || path;
  if (isEnvFile(path)) return [{ file, line: 0, kind: ".env file (only .env.example may be committed)" }];
  if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size > MAX_BYTES) return [];
  const content = readFileSync(path);
  if (content.subarray(0, 8192).includes(0)) return []; // binary
  return scanText(file, content.toString("utf8"));
}

export function loadAllowlist(root: string): (file: string) => boolean {
  const path = resolve(root, ".secret-scan-allow");
  if (!existsSync(path)) return () => false;
  const globs = readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return globs.length > 0 ? picomatch(globs, { dot: true }) : () => false;
}

function gitFiles(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.toString("utf8").split("\0").filter(Boolean))].map((f) => resolve(root, f));
}

export function scanPaths(paths: string[], root: string): Finding[] {
  const allowed = loadAllowlist(root);
  return paths.filter((p) => !allowed(relative(root, resolve(p)))).flatMap((p) => scanFile(p, root));
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: "secret-scan",
      readsEnvFile: false,
      summary: "find credentials in files before they are committed (never prints them)",
      usage: "[--all | FILE...]",
      positionals: true,
      options: {
        all: {
          type: "boolean",
          description: "scan every file git knows (tracked and untracked, not ignored)",
        },
      },
      examples: ["npx tsx scripts/secret-scan.ts --all", "npx tsx scripts/secret-scan.ts src/a.ts .env"],
    },
    async ({ options, positionals, out, io }) => {
      const root = io.cwd;
      if (!options.all && positionals.length === 0) throw new RunbookError("give files to scan, or --all");
      const paths = options.all ? gitFiles(root) : positionals.map((p) => resolve(root, p));
      const findings = scanPaths(paths, root);
      for (const f of findings) out.info(`${out.c.bold(`${f.file}:${f.line}`)}: ${out.c.red(f.kind)}`);
      if (findings.length > 0) {
        throw new RunbookError(
          `${findings.length} possible secret(s) in ${new Set(findings.map((f) => f.file)).size} file(s): remove them, ` +
            `or mark a test fixture with "${ALLOW_MARKER}" on its line`,
        );
      }
      out.ok(`no secrets found in ${paths.length} file(s)`);
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
