#!/usr/bin/env -S npx tsx
/**
 * Security scans behind `make audit` (and CI): known-vulnerable production dependencies, secrets
 * in the tree, and the infrastructure policy pack over every stack. docs/security.md says what
 * each one covers. Exit code 1 when any scan finds a problem; an unreachable npm registry is
 * reported clearly and does not fail the run (the other scans still decide).
 */
import { spawn } from "node:child_process";
import { RunbookError, runCli } from "../runbooks/lib/cli.js";
import { runIfEntryPoint, type ScriptIo, type ScriptMain, type TextSink } from "../runbooks/lib/script-io.js";

export type ScanName = "dependencies" | "secrets" | "policy";
export type Verdict = "passed" | "failed" | "skipped";

export interface Scan {
  name: ScanName;
  title: string;
  command: string;
  args: string[];
  /** decides the verdict from the exit code and combined output */
  judge(code: number, output: string): { verdict: Verdict; note?: string };
}

const NETWORK_TROUBLE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|CERT_|SELF_SIGNED)|network (request|error)|request to \S+ failed|audit endpoint returned an error|getaddrinfo/i;

/** npm audit exits non-zero both for findings and for an unreachable registry: tell them apart. */
export function judgeNpmAudit(code: number, output: string): { verdict: Verdict; note?: string } {
  if (code === 0) return { verdict: "passed" };
  if (NETWORK_TROUBLE.test(output) && !/\d+ (high|critical) severity vulnerabilit/i.test(output)) {
    return {
      verdict: "skipped",
      note: "the npm registry could not be reached, so dependencies were NOT checked: run `make audit` again with network access",
    };
  }
  return {
    verdict: "failed",
    note: "production dependencies with high or critical advisories: see above (`npm audit fix`)",
  };
}

const byExitCode = (failure: string) => (code: number) =>
  code === 0 ? { verdict: "passed" as const } : { verdict: "failed" as const, note: failure };

/** Test files that evaluate the policy pack over the resources of the dev, staging and prod stacks. */
export const POLICY_TEST_FILTERS = ["policy/", "stacks/"];

export const SCANS: Scan[] = [
  {
    name: "dependencies",
    title: "npm audit (production dependencies, high and critical)",
    command: "npm",
    args: ["audit", "--omit=dev", "--audit-level=high"],
    judge: judgeNpmAudit,
  },
  {
    name: "secrets",
    title: "secret scan over the whole tree",
    command: "npx",
    args: ["--no-install", "tsx", "scripts/secret-scan.ts", "--all"],
    judge: byExitCode("secrets found: remove them from the tree and rotate them (runbooks/README.md)"),
  },
  {
    name: "policy",
    title: "policy pack over the dev, staging and prod stacks",
    command: "npx",
    args: ["--no-install", "vitest", "run", ...POLICY_TEST_FILTERS],
    judge: byExitCode("an infrastructure policy is violated (or its tests are missing): see above"),
  },
];

/** Runs one scan with its output shown live and kept for judging. */
function runScan(scan: Scan, io: ScriptIo): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(scan.command, scan.args, {
      cwd: io.cwd,
      env: io.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: string, to: TextSink) => {
      to.write(chunk);
      // Bounded: the verdict needs only enough text to recognise a network failure.
      if (output.length < 1_000_000) output += chunk;
    };
    // Decoded as streams: a character split across two chunks stays whole.
    child.stdout.setEncoding("utf8").on("data", (c: string) => keep(c, io.stdout));
    child.stderr.setEncoding("utf8").on("data", (c: string) => keep(c, io.stderr));
    child.on("error", (err) =>
      resolve({ code: 127, output: `${scan.command} could not start: ${err.message}` }),
    );
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

export function selectScans(skip: string | undefined): Scan[] {
  const names = (skip ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!SCANS.some((s) => s.name === n))
      throw new RunbookError(`--skip: unknown scan "${n}" (dependencies, secrets, policy)`);
  }
  return SCANS.filter((s) => !names.includes(s.name));
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: "audit",
      readsEnvFile: false,
      summary: "security scans: npm audit, secret scan, infrastructure policy pack",
      options: {
        skip: {
          type: "string",
          arg: "<scan,...>",
          description: "scans to leave out: dependencies, secrets, policy",
        },
      },
      examples: [
        "make audit",
        "npx tsx scripts/audit.ts --skip dependencies",
        "npx tsx scripts/audit.ts --dry-run",
      ],
    },
    async ({ options, dryRun, out, io }) => {
      const scans = selectScans(options.skip as string | undefined);
      for (const scan of scans) out.plan(`${scan.title}: ${scan.command} ${scan.args.join(" ")}`);
      if (dryRun) return;
      const results: Array<{ scan: Scan; verdict: Verdict; note?: string }> = [];
      for (const scan of scans) {
        out.info(out.c.bold(`\n== ${scan.title}`));
        const { code, output } = await runScan(scan, io);
        results.push({ scan, ...scan.judge(code, output) });
      }
      out.info(out.c.bold("\n== Summary"));
      for (const r of results) {
        const line = `${r.scan.name}: ${r.verdict}${r.note ? ` — ${r.note}` : ""}`;
        if (r.verdict === "passed") out.ok(line);
        else if (r.verdict === "skipped") out.warn(line);
        else out.fail(line);
      }
      const failed = results.filter((r) => r.verdict === "failed").map((r) => r.scan.name);
      if (failed.length > 0) throw new RunbookError(`failed: ${failed.join(", ")}`);
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
